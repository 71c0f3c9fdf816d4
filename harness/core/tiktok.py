"""What TikTok says about the pixel, as data. Rules read these tables; when TikTok changes a
list, this file changes. Sources: shared/reference/custom-events-spec.md (the product spec,
the default profile) and tiktok-pixel-rules.md (TikTok's 2025 pages, the `tiktok-2025` profile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: The 62 currencies TikTok accepts ("About Parameters", April 2025; rules §4.3).
CURRENCIES: frozenset[str] = frozenset(
    [
        "AED",
        "ARS",
        "AUD",
        "BDT",
        "BHD",
        "BIF",
        "BOB",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CZK",
        "DKK",
        "DZD",
        "EGP",
        "EUR",
        "GBP",
        "GTQ",
        "HKD",
        "HNL",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JPY",
        "KES",
        "KHR",
        "KRW",
        "KWD",
        "KZT",
        "MAD",
        "MOP",
        "MXN",
        "MYR",
        "NGN",
        "NIO",
        "NOK",
        "NZD",
        "OMR",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RUB",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "VES",
        "VND",
        "ZAR",
    ]
)

#: Event names the SDK (pixel.js 2.1.33, the `qt` table) rewrites before sending. SDK
#: behaviour, not a rule profile: it is what the wire shows whatever the profile says.
SDK_ALIASES: dict[str, str] = {
    "Purchase": "CompletePayment",
    "Checkout": "PlaceAnOrder",
    "Registration": "CompleteRegistration",
    "StartCheckout": "InitiateCheckout",
    "AddBilling": "AddPaymentInfo",
    "ViewForm": "ViewContent",
    "ViewConsultationPage": "ViewContent",
    "ViewDownloadPage": "ViewContent",
    "ClickForm": "ClickButton",
    "ClickInDownloadPage": "ClickButton",
    "ClickInConsultationPage": "ClickButton",
    "ClickToDownload": "Download",
    "Consult": "Contact",
    "ConsultByPhone": "Contact",
}

#: Names the pixel sends by itself: page views and automatic /act and identify events.
PIXEL_INTERNAL_EVENTS: frozenset[str] = frozenset(
    {"Pageview", "PageView", "EnrichAM", "Click", "Metadata", "EngagedSession"}
)

#: Parameters that must be numbers.
NUMERIC_PARAMETERS: tuple[str, ...] = ("value", "price", "quantity")
#: Fields of a `contents` item and the JSON type each must have.
CONTENT_ITEM_TYPES: dict[str, tuple[type, ...]] = {
    "content_id": (str, int),
    "content_type": (str,),
    "content_name": (str,),
    "content_category": (str,),
    "brand": (str,),
    "price": (int, float),
    "quantity": (int, float),
}
#: Known identify() keys (rules §5; wire format §4).
IDENTIFY_KEYS: frozenset[str] = frozenset(
    {
        "email",
        "phone_number",
        "external_id",
        "sha256_email",
        "sha256_phone_number",
        "first_name",
        "last_name",
        "city",
        "state",
        "country",
        "zip_code",
        "auto_email",
        "auto_phone_number",
    }
)
#: Pixel codes as Events Manager issues them: 'C' and 19 upper-case letters or digits.
PIXEL_CODE = re.compile(r"C[A-Z0-9]{19}")

#: Words that suggest a custom event name reveals sensitive information about the visitor
#: (TikTok: "Don't use custom event names that are suggestive of sensitive information";
#: prohibited categories: children, health, financial data). The list is ours: small,
#: documented, matched as whole words or word parts of the name.
SENSITIVE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "health",
            "medical",
            "diagnosis",
            "disease",
            "cancer",
            "hiv",
            "diabetes",
            "pregnan",
            "therapy",
            "pharma",
            "prescription",
            "mentalhealth",
            "depression",
            "disability",
            "rehab",
            "abortion",
            "fertility",
        ],
        "health",
    ),
    **dict.fromkeys(
        ["religion", "religious", "church", "mosque", "synagogue", "faith"], "religion"
    ),
    **dict.fromkeys(
        ["gay", "lesbian", "lgbt", "bisexual", "transgender", "sexual", "sexuality"],
        "sexual orientation",
    ),
    **dict.fromkeys(
        [
            "debt",
            "bankrupt",
            "payday",
            "loanrefused",
            "creditscore",
            "overdraft",
            "unemploy",
            "welfare",
            "foreclos",
        ],
        "financial hardship",
    ),
    **dict.fromkeys(["child", "children", "kid", "kids", "minor", "underage", "teen"], "children"),
    **dict.fromkeys(["ethnic", "race", "racial"], "ethnicity"),
    **dict.fromkeys(["criminal", "arrest", "conviction"], "criminal record"),
}


@dataclass(frozen=True)
class Profile:
    """One reading of TikTok's rules. Users pick one; reports say which."""

    name: str
    title: str
    standard_events: frozenset[str]
    #: reserved name -> the standard event TikTok maps it to
    reserved_events: dict[str, str]
    #: deprecated standard name -> what to use instead
    deprecated_events: dict[str, str] = field(default_factory=dict)
    #: events for which value, currency and content ids are recommended
    value_events: frozenset[str] = frozenset()
    purchase_events: frozenset[str] = frozenset()
    content_types: frozenset[str] = frozenset({"product", "product_group"})
    search_parameters: tuple[str, ...] = ("query", "search_string")

    def standard_spelling(self, name: str) -> str | None:
        """The standard or reserved name `name` is a case variant of, if any."""
        lowered = name.lower()
        for candidate in (*self.standard_events, *self.reserved_events, *PIXEL_INTERNAL_EVENTS):
            if candidate.lower() == lowered and candidate != name:
                return candidate
        return None

    def is_known(self, name: str) -> bool:
        return (
            name in self.standard_events
            or name in self.reserved_events
            or name in PIXEL_INTERNAL_EVENTS
        )


_SPEC_RESERVED = {
    "AddBilling": "AddPaymentInfo",
    "Browse": "PageView",
    "Checkout": "PlaceAnOrder",
    "ClickForm": "SubmitForm",
    "ClickInConsultationPage": "ClickButton",
    "ClickInDownloadPage": "ClickButton",
    "ClickToDownload": "Download",
    "Consult": "Contact",
    "ConsultByPhone": "Contact",
    "Purchase": "CompletePayment",
    "Registration": "CompleteRegistration",
    "StartCheckout": "InitiateCheckout",
    "ViewConsultationPage": "ViewContent",
    "ViewDownloadPage": "ViewContent",
    "ViewForm": "ViewContent",
}

#: The product specification (custom-events-spec.md) with the legacy standard list it assumes
#: (rules §1.2a: the 17 events up to April 2025). Purchase is reserved (-> CompletePayment).
SPEC = Profile(
    name="spec",
    title="Product specification (legacy standard events; Purchase -> CompletePayment)",
    standard_events=frozenset(
        {
            "AddPaymentInfo",
            "AddToCart",
            "AddToWishlist",
            "ClickButton",
            "CompletePayment",
            "CompleteRegistration",
            "Contact",
            "CustomizeProduct",
            "Download",
            "FindLocation",
            "InitiateCheckout",
            "PlaceAnOrder",
            "Schedule",
            "Search",
            "SubmitForm",
            "Subscribe",
            "ViewContent",
        }
    ),
    reserved_events=_SPEC_RESERVED,
    value_events=frozenset(
        {"ViewContent", "AddToCart", "InitiateCheckout", "PlaceAnOrder", "CompletePayment"}
    ),
    purchase_events=frozenset({"CompletePayment", "PlaceAnOrder"}),
)

#: TikTok's pages as of September 2025: 18 standard events, Purchase standard,
#: CompletePayment reserved for Purchase; Lead accepted as the May 2025 name of SubmitForm;
#: ClickButton and PlaceAnOrder soft-deprecated (sunset 2027).
TIKTOK_2025 = Profile(
    name="tiktok-2025",
    title="TikTok 2025 pages (18 standard events; CompletePayment -> Purchase)",
    standard_events=frozenset(
        {
            "AddPaymentInfo",
            "AddToCart",
            "AddToWishlist",
            "ApplicationApproval",
            "CompleteRegistration",
            "Contact",
            "CustomizeProduct",
            "Download",
            "FindLocation",
            "InitiateCheckout",
            "Purchase",
            "Schedule",
            "Search",
            "StartTrial",
            "SubmitApplication",
            "SubmitForm",
            "Subscribe",
            "ViewContent",
            # soft-deprecated but still accepted until 2027, and the May 2025 name of SubmitForm
            "ClickButton",
            "PlaceAnOrder",
            "Lead",
        }
    ),
    reserved_events={
        **{k: v for k, v in _SPEC_RESERVED.items() if k != "Purchase"},
        "CompletePayment": "Purchase",
    },
    deprecated_events={
        "ClickButton": "a custom event or SubmitForm/Contact (ClickButton sunsets in 2027)",
        "PlaceAnOrder": "Purchase (PlaceAnOrder sunsets in 2027)",
    },
    value_events=frozenset(
        {"ViewContent", "AddToCart", "InitiateCheckout", "PlaceAnOrder", "Purchase", "StartTrial"}
    ),
    purchase_events=frozenset({"Purchase", "PlaceAnOrder"}),
)

PROFILES: dict[str, Profile] = {profile.name: profile for profile in (SPEC, TIKTOK_2025)}
DEFAULT_PROFILE = SPEC.name
