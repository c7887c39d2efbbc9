"""esatis web layer: FastAPI app, API, WebSocket, pages."""
