"""Texts of the notification-channel section of the profile and of the unsubscribe pages, Turkish first."""

from web.i18n import add_messages

add_messages({
    "chan.title": {"tr": "Bildirim kanalları", "en": "Notification channels"},
    "chan.intro": {"tr": "Hangi bildirimi nereden almak istediğinizi seçin: portalda (uygulama içi), e-postayla ya "
                         "da SMS ile.",
                   "en": "Choose how you want to be told: on the portal (in-app), by e-mail or by SMS."},
    "chan.kind": {"tr": "Bildirim", "en": "Notification"},
    "chan.in_app": {"tr": "Portalda", "en": "In-app"},
    "chan.email": {"tr": "E-posta", "en": "E-mail"},
    "chan.sms": {"tr": "SMS", "en": "SMS"},
    "chan.essential": {"tr": "Önemli bildirimler portalda her zaman gösterilir.",
                       "en": "Important notices always show on the portal."},
    "chan.to_email": {"tr": "E-postalar {email} adresine gider.", "en": "E-mails go to {email}."},
    "chan.to_phone": {"tr": "SMS'ler {phone} numarasına gider.", "en": "Text messages go to {phone}."},
    "chan.no_phone": {"tr": "SMS almak için yukarıya bir cep telefonu numarası girin.",
                      "en": "Enter a mobile number above to receive text messages."},
    "chan.lang": {"tr": "İletilerin dili", "en": "Language of the messages"},
    "chan.lang.tr": {"tr": "Türkçe", "en": "Turkish"},
    "chan.lang.en": {"tr": "İngilizce", "en": "English"},
    "chan.save": {"tr": "Kanalları kaydet", "en": "Save channels"},
    "chan.saved": {"tr": "Bildirim kanallarınız kaydedildi.", "en": "Your notification channels were saved."},
    "chan.cap": {"tr": "Aynı türden çok sayıda ileti gelmesini önlemek için saatte en fazla {email} e-posta ve "
                       "{sms} SMS gönderilir; önemli bildirimler bu sınıra takılmaz.",
                 "en": "To avoid floods, at most {email} e-mails and {sms} text messages go out per hour; important "
                       "notices are never held back."},
    "notif.channels_link": {"tr": "E-posta ve SMS tercihleriniz profil sayfasındadır.",
                            "en": "Your e-mail and SMS choices are on your profile page."},
    "notif.channels_go": {"tr": "Bildirim kanallarına git", "en": "Go to notification channels"},
    "unsub.title": {"tr": "Abonelikten çık", "en": "Unsubscribe"},
    "unsub.ask": {"tr": "«{kind}» bildirimlerini artık {channel} ile almak istemiyor musunuz?",
                  "en": "Stop receiving “{kind}” by {channel}?"},
    "unsub.confirm": {"tr": "Evet, bu iletileri durdur", "en": "Yes, stop these messages"},
    "unsub.done": {"tr": "Tamam: «{kind}» bildirimleri artık {channel} ile gönderilmeyecek. Portaldaki "
                         "bildirimleriniz sürer; tercihlerinizi profil sayfanızdan değiştirebilirsiniz.",
                   "en": "Done: “{kind}” will no longer be sent by {channel}. Your in-app notifications go on; "
                         "you can change your choices on your profile page."},
    "unsub.channel.email": {"tr": "e-posta", "en": "e-mail"},
    "unsub.channel.sms": {"tr": "SMS", "en": "SMS"},
})
