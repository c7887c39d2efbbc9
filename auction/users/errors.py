from auction.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthorized, Unprocessable


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    default_message = "E-posta adresi veya parola hatalı."


class InvalidToken(Unauthorized):
    code = "invalid_token"
    default_message = "Erişim anahtarı geçersiz ya da süresi dolmuş."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "Bu e-posta adresiyle kayıtlı bir kullanıcı var."


class WeakPassword(Unprocessable):
    code = "weak_password"
    default_message = "Parola en az 10 karakter olmalı ve harf ile rakam içermelidir."


class InvalidEmail(Unprocessable):
    code = "invalid_email"
    default_message = "Geçerli bir e-posta adresi girin."


class OfficeNotFound(NotFound):
    code = "office_not_found"
    default_message = "İcra dairesi bulunamadı."


class RoleRequired(Forbidden):
    code = "role_required"
    default_message = "Bu işlem için yetkiniz yok."


class OfficeScope(Forbidden):
    code = "office_scope"
    default_message = "Bu kayıt başka bir icra dairesine ait."


class InvalidIban(Unprocessable):
    code = "invalid_iban"
    default_message = "IBAN geçersiz: TR ile başlayan 26 karakterli ve kontrol basamakları doğru bir IBAN girin."


class InvalidProfile(Unprocessable):
    code = "invalid_profile"
    default_message = "Profil bilgileri geçersiz."


class OfficeExists(Conflict):
    code = "office_exists"
    default_message = "Bu kodla kayıtlı bir icra dairesi zaten var."


class InvalidOffice(Unprocessable):
    code = "invalid_office"
    default_message = "İcra dairesi bilgileri geçersiz."


class AccountLocked(RateLimited):
    """Too many wrong passwords in a row (ESATIS_LOGIN_MAX_FAILURES): sign-in is refused until
    `details.locked_until`, even with the right password (docs/security.md)."""

    code = "account_locked"
    default_message = ("Çok sayıda hatalı giriş denemesi nedeniyle hesabınız geçici olarak kilitlendi. "
                       "Lütfen daha sonra tekrar deneyin.")


class UserNotFound(Unprocessable):
    """A request names a user id that does not exist (422: the body is wrong, nothing is written)."""

    code = "user_not_found"
    default_message = "Belirtilen kullanıcı bulunamadı."
# Refund IBAN changes (auction.users.refund_iban, issue 17).
class RefundIbanInvalid(Unprocessable):
    code = "iban_invalid"
    default_message = "IBAN geçersiz: TR ile başlayan 26 karakterli ve kontrol basamakları doğru bir IBAN girin."


class IbanChangeNeedsCode(Conflict):
    code = "iban_change_requires_code"
    default_message = ("İade IBAN'ı yalnızca telefonunuza gönderilen kodla değiştirilir "
                       "(PUT /api/v1/me/refund-iban, Hesabım → İade IBAN'ı).")


class IbanChangeNotFound(NotFound):
    code = "iban_change_not_found"
    default_message = "IBAN değişikliği isteği bulunamadı."


class IbanChangeClosed(Conflict):
    code = "iban_change_closed"
    default_message = "Bu IBAN değişikliği isteği artık açık değil; yeniden başlatın."


class IbanUnchanged(Conflict):
    code = "iban_unchanged"
    default_message = "Bu IBAN zaten kayıtlı iade IBAN'ınız."


class PhoneChangedRecently(Conflict):
    code = "phone_changed_recently"
    default_message = ("Cep telefonunuz kısa süre önce değiştirildi; güvenliğiniz için iade IBAN'ı bir süre "
                       "değiştirilemez. Sorun varsa satış bürosuna başvurun.")


class EmailNotFound(NotFound):
    """A staff form names a person by e-mail and no account has it (the desk's exclusion form)."""

    code = "user_not_found"
    default_message = "Bu e-posta adresiyle kayıtlı bir kullanıcı yok."


class LinkInvalid(NotFound):
    code = "link_invalid"
    default_message = "Bağlantı geçersiz, kullanılmış ya da süresi dolmuş."


class PersonNotFound(NotFound):
    code = "person_not_found"
    default_message = "Kişi bulunamadı."


class CannotDeactivateSelf(Conflict):
    code = "cannot_deactivate_self"
    default_message = "Kendi hesabınızı kapatamazsınız."


class PersonRoleRefused(Forbidden):
    """The person's role (not the actor's) puts the change out of the actor's reach: bidders are not
    administered on the desk, and a müdür neither invites nor administers admins."""

    code = "person_role_refused"
    default_message = "Bu roldeki bir kişiyi yönetemezsiniz."


class PersonInactive(Conflict):
    code = "person_inactive"
    default_message = "Kapalı bir hesabın parolası sıfırlanamaz; önce hesabı açın."
