"""My notification choices: per kind, in-app / e-mail / SMS, and the language of the messages."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from auction.notifications import prefs
from web.deps import CurrentUser, DbSession

router = APIRouter(prefix="/me/notification-preferences", tags=["notifications"])


class KindChoiceOut(BaseModel):
    kind: str
    label: str
    essential: bool = Field(description="in-app cannot be turned off; the hourly cap does not hold it back")
    in_app: bool
    email: bool
    sms: bool


class PreferencesOut(BaseModel):
    lang: str = Field(description="the language of e-mails, SMS and notifications: tr | en")
    email: str | None = Field(description="where e-mails go")
    phone: str | None = Field(description="where SMS go (set it on the profile)")
    kinds: list[KindChoiceOut]


class ChannelChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    in_app: bool | None = None
    email: bool | None = None
    sms: bool | None = None


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Literal["tr", "en"] | None = None
    kinds: dict[str, ChannelChoice] = Field(default_factory=dict,
                                            description='e.g. {"outbid": {"email": false, "sms": true}}')


def _out(p: prefs.Preferences) -> PreferencesOut:
    return PreferencesOut(lang=p.lang, email=p.email, phone=p.phone,
                          kinds=[KindChoiceOut(**c.__dict__) for c in p.kinds])


@router.get("", response_model=PreferencesOut, summary="My notification choices")
async def get_preferences(db: DbSession, me: CurrentUser) -> PreferencesOut:
    return _out(await prefs.preferences(db, me.user_id))


@router.put("", response_model=PreferencesOut, summary="Change some of my choices (the others stay)")
async def put_preferences(body: PreferencesIn, db: DbSession, me: CurrentUser) -> PreferencesOut:
    changes = {kind: choice.model_dump(exclude_none=True) for kind, choice in body.kinds.items()}
    return _out(await prefs.set_preferences(db, me, changes, lang=body.lang, source="api"))
