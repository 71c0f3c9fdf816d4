"""The tracking plan as a pydantic model. Its JSON Schema is what editors check plans with.

A plan says which events each user journey must send, with which parameters, how many times,
in which order, to which pixel. Unknown keys are errors everywhere, so a typo never silently
turns a check off.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.core.model import Severity

SCHEMA_URL = "https://ttq-harness.dev/schema/plan-v1.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


JsonType = Literal["number", "integer", "string", "boolean", "object", "array", "null"]
#: What an expectation that names pixels says about the same event reaching the plan's others.
OtherPixels = Literal["fail", "allow"]
#: What an event is for in TikTok (custom events can only be reported).
Purpose = Literal["optimization", "audience", "reporting"]
ConsentAction = Literal["grant", "revoke", "hold"]


class Range(_Strict):
    """A numeric range, inclusive."""

    min: float | None = None
    max: float | None = None


class Matcher(_Strict):
    """How a parameter's value must look. All given conditions must hold.

    A plain value (`currency: USD`) means `equals`. Use `equals:` to match an exact object.
    """

    equals: Any = Field(default=None, description="The exact value.")
    type: JsonType | None = Field(default=None, description="The JSON type of the value.")
    pattern: str | None = Field(
        default=None, description="A regular expression (search) the string value must match."
    )
    min: float | None = Field(default=None, description="Smallest allowed number.")
    max: float | None = Field(default=None, description="Largest allowed number.")
    one_of: list[Any] | None = Field(default=None, description="Allowed values.")
    present: bool | None = Field(default=None, description="true: the parameter must be there.")
    absent: bool | None = Field(default=None, description="true: the parameter must not be there.")
    length: int | Range | None = Field(
        default=None, description="Length of a list or string: a number or {min, max}."
    )
    items: dict[str, ParamSpec] | None = Field(
        default=None, description="Matchers every item of a list (e.g. contents) must satisfy."
    )
    sum_of_contents: bool | None = Field(
        default=None,
        description="true: the value equals the sum of price × quantity over `contents` "
        "(within 0.01).",
    )

    @property
    def has_equals(self) -> bool:
        """`equals: null` is a real expectation: was equals given at all?"""
        return "equals" in self.model_fields_set

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


#: A parameter expectation: a plain value (exact match) or a Matcher.
ParamSpec = Annotated[Matcher | str | int | float | bool | list[Any] | None, Field()]
Matcher.model_rebuild()


class EventDefinition(_Strict):
    """A reusable event: its name on the wire and what its parameters must look like."""

    event: str | None = Field(
        default=None, description="Event name as sent (default: the definition's key)."
    )
    description: str = ""
    pixels: list[str] | None = Field(
        default=None,
        description="Pixel names or codes it must reach (default: every pixel of the plan).",
    )
    params: dict[str, ParamSpec] = Field(
        default_factory=dict, description="Required parameters and their matchers."
    )
    optional: dict[str, ParamSpec] = Field(
        default_factory=dict, description="Parameters checked only when present."
    )
    event_id: ParamSpec | None = Field(default=None, description="Matcher for the event_id.")
    other_pixels: OtherPixels = Field(
        default="fail",
        description="With `pixels`: 'fail' when the event also reaches another pixel of the "
        "plan, 'allow' to let it.",
    )
    purpose: Purpose = Field(
        default="reporting",
        description="What the event is for in TikTok: 'optimization' (campaigns optimize on "
        "it), 'audience' (audiences are built from it) or 'reporting'. Custom events are "
        "reporting-only: `plan lint` fails a custom event declared for optimization or "
        "audiences.",
    )


class Expectation(_Strict):
    """One event a step must (or must never) send."""

    event: str = Field(description="An event definition's name, or an event name.")
    params: dict[str, ParamSpec] = Field(
        default_factory=dict, description="More parameter matchers (added to the definition's)."
    )
    count: int | None = Field(default=None, ge=0, description="Exactly this many (per pixel).")
    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)
    pixel: str | None = Field(default=None, description="Only this pixel (name or code).")
    source: Literal["wire", "call"] = Field(
        default="wire",
        description="Check what left the browser (wire) or what the page called (call).",
    )
    other_pixels: OtherPixels | None = Field(
        default=None,
        description="When the expectation (or its definition) names pixels: 'fail' (default) "
        "if the event also reaches another pixel of the plan, 'allow' to let it.",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"event": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_count(self) -> Expectation:
        if self.count is not None and (self.at_least is not None or self.at_most is not None):
            raise ValueError("use either count or at_least/at_most")
        return self


ACTIONS = (
    "goto",
    "click",
    "fill",
    "select",
    "check",
    "uncheck",
    "press",
    "hover",
    "scroll",
    "wait_for",
    "reload",
    "back",
    "consent",
)


class FillAction(_Strict):
    selector: str
    value: str


class PressAction(_Strict):
    key: str
    selector: str | None = None


class WaitFor(_Strict):
    selector: str | None = None
    url: str | None = Field(default=None, description="A URL glob, e.g. '**/thank-you.html*'.")
    seconds: float | None = Field(default=None, ge=0)
    popup: bool | None = Field(default=None, description="Wait for a popup window to open.")


def _given(value: object) -> bool:
    """An action key that is set: `scroll: 0` and `wait_for: 0` are (0 == False in Python)."""
    return value is not None and value is not False


class Step(_Strict):
    """One action, then what it must send. Exactly one action key per step."""

    name: str | None = None
    goto: str | None = Field(default=None, description="URL, relative to the base URL.")
    click: str | None = Field(
        default=None, description="Playwright locator: CSS, text=…, role=button[name=…]."
    )
    fill: FillAction | dict[str, str] | None = Field(
        default=None, description="{selector: value} or {selector, value}."
    )
    select: dict[str, str] | None = Field(default=None, description="{selector: option}.")
    check: str | None = None
    uncheck: str | None = None
    press: PressAction | str | None = Field(
        default=None, description="A key (on the page) or {key, selector}."
    )
    hover: str | None = None
    scroll: str | int | None = Field(
        default=None, description="A locator to scroll into view, or pixels to scroll down."
    )
    wait_for: WaitFor | str | float | None = Field(
        default=None, description="A selector, {url}, {seconds}, {popup}."
    )
    reload: bool | None = None
    back: bool | None = None
    consent: ConsentAction | None = Field(
        default=None,
        description="Set the pixel's consent state in the page: ttq.grantConsent(), "
        "ttq.revokeConsent() or ttq.holdConsent().",
    )

    expect: list[Expectation] = Field(default_factory=list)
    never: list[Expectation] = Field(
        default_factory=list, description="Events this step must not send."
    )
    ordered: bool = Field(
        default=False, description="The expected events must arrive in the listed order."
    )
    timeout: float | None = Field(default=None, gt=0, description="Seconds for this step.")

    @model_validator(mode="after")
    def _exactly_one_action(self) -> Step:
        given = [action for action in ACTIONS if _given(getattr(self, action))]
        if len(given) != 1:
            got = ", ".join(given) if given else "none"
            raise ValueError(f"a step needs exactly one action ({', '.join(ACTIONS)}); got {got}")
        return self

    @property
    def action(self) -> str:
        return next(a for a in ACTIONS if _given(getattr(self, a)))

    def describe(self) -> str:
        if self.name:
            return self.name
        value = getattr(self, self.action)
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_none=True)
        return self.action if value is True else f"{self.action} {value}"


class Requirements(_Strict):
    """Checks that hold for every step of a journey, besides its expectations."""

    no_pixel_traffic_before_consent: bool = Field(
        default=False,
        description="No pixel request and no _ttp cookie until consent is granted "
        "(ttq.grantConsent(), by the page or a `consent: grant` step); nothing after "
        "ttq.revokeConsent() or ttq.holdConsent() until it is granted again.",
    )


class Journey(_Strict):
    """Steps run in one browser context, in order."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")
    description: str = ""
    base_url: str | None = None
    require: Requirements | None = Field(
        default=None, description="Overrides defaults.require for this journey."
    )
    steps: list[Step] = Field(min_length=1)


class RuleSettings(_Strict):
    """Rule settings for runs of this plan (same keys as [tool.ttq-harness])."""

    profile: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    severity: dict[str, Severity] | None = None
    fail_on: Literal["error", "warning", "info", "never"] | None = None
    uses_events_api: bool | None = None


class Defaults(_Strict):
    base_url: str | None = Field(
        default=None,
        description="Base URL journeys' relative URLs "
        "resolve against (overridable with --base-url).",
    )
    timeout: float = Field(default=10.0, gt=0, description="Seconds per step.")
    quiet: float = Field(
        default=0.5,
        gt=0,
        description="Seconds without pixel traffic after a step before its events are checked.",
    )
    unexpected: Literal["ignore", "warn", "fail"] = Field(
        default="warn", description="Events a step sent that its expectations do not name."
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        description="Journeys run at once, each in its own browser context (overridable with "
        "--workers; default: one per CPU).",
    )
    unplanned_pixels: Literal["ignore", "warn", "fail"] = Field(
        default="fail",
        description="Events sent to a pixel the plan's `pixels` do not name (only when `pixels` "
        "is set).",
    )
    rules: RuleSettings = Field(default_factory=RuleSettings)
    require: Requirements = Field(
        default_factory=Requirements, description="Checks every journey must pass."
    )
    first_party_cookies: bool = Field(
        default=False,
        description="The pixel has first-party cookies on in Events Manager, so TikTok's SDK "
        "sets the _ttp cookie without the page calling ttq.enableCookie(); the offline "
        "emulator then does the same (same as --first-party-cookies).",
    )
    block_third_party: bool = Field(
        default=False,
        description="Hermetic runs: in the browser only the journeys' own hosts (their base "
        "URLs) resolve; every other host (CDNs, analytics, ads, fonts) fails to load (same as "
        "--block-third-party). TikTok's pixel hosts are answered locally either way.",
    )


class Plan(_Strict):
    """A TikTok Pixel tracking plan."""

    schema_: str | None = Field(default=None, alias="$schema")
    version: Literal[1] = 1
    name: str = ""
    defaults: Defaults = Field(default_factory=Defaults)
    pixels: dict[str, str] = Field(default_factory=dict, description="Pixel names and codes.")
    events: dict[str, EventDefinition] = Field(
        default_factory=dict, description="Reusable event definitions."
    )
    journeys: list[Journey] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_journeys(self) -> Plan:
        counts = Counter(journey.name for journey in self.journeys)  # linear in journeys
        duplicates = sorted(name for name, count in counts.items() if count > 1)
        if duplicates:
            raise ValueError(f"journey names must be unique: {', '.join(duplicates)}")
        return self

    def pixel_code(self, name_or_code: str) -> str:
        return self.pixels.get(name_or_code, name_or_code)

    def requirements(self, journey: Journey) -> Requirements:
        """The journey's own `require`, else the plan's defaults."""
        return journey.require if journey.require is not None else self.defaults.require
