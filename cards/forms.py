"""Forms: every POST is validated here before the domain sees it."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.validators import MaxLengthValidator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from cards.bulk import NEEDS_CONFIRMATION, BulkAction
from cards.formats import TAG_PATTERN
from cards.models import Card, Deck, StudySettings
from cards.scheduler import Grade
from cards.study import SetAside


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class SignupForm(UserCreationForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="UTC")


class StudySettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = StudySettings
        fields = ["time_zone", "day_start_hour", "new_per_day", "reviews_per_day", "theme"]


class CardActionForm(forms.Form):
    """Names a card and the version of it the page showed."""

    card = forms.IntegerField(min_value=1)
    version = forms.IntegerField(min_value=0)


class GradeForm(CardActionForm):
    quality = forms.TypedChoiceField(choices=[(g.value, g.name.title()) for g in Grade], coerce=int)
    shown_at = forms.IntegerField(required=False, min_value=0)


class SetAsideForm(CardActionForm):
    action = forms.TypedChoiceField(choices=[(a.value, a.name.title()) for a in SetAside], coerce=SetAside)


class UndoForm(forms.Form):
    """Either the review to take back, or the card, version and action of a bury or suspend."""

    review = forms.IntegerField(min_value=1, required=False)
    card = forms.IntegerField(min_value=1, required=False)
    version = forms.IntegerField(min_value=0, required=False)
    action = forms.TypedChoiceField(
        choices=[(a.value, a.name.title()) for a in SetAside], coerce=SetAside, required=False
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        set_aside = [data.get(name) for name in ("card", "version", "action")]
        if (data.get("review") is None) == any(value in (None, "") for value in set_aside):
            raise forms.ValidationError(_("Name either a review or a card, version and action."))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list[object]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"),
        help_text=_(
            "Recall Markdown (.md), Anki plain text (.txt), CSV/TSV with a header row, Anki "
            "packages (.apkg), or a Recall backup (.json)."
        ),
    )
    deck = forms.CharField(
        label=_("Deck"),
        max_length=200,
        required=False,
        help_text=_("Put every card into this deck (otherwise the files name their decks)."),
    )


class ConfirmImportForm(forms.Form):
    prune = forms.BooleanField(
        label=_("Delete the cards these decks have but the files do not (with their history)"),
        required=False,
    )


class LightSelect(forms.Select):
    """Django's ``<select>``, built in Python rather than by a template per option: on the card
    browser, the search form's widget templates cost more than its 50 rows."""

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _ in widget["optgroups"]:
            html = format_html_join(
                "", '<option value="{}"{}>{}</option>',
                ((option["value"], _attributes(option["attrs"]), option["label"]) for option in options),
            )  # fmt: skip
            groups.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, html) if group_name else html)
        return format_html('<select name="{}"{}>{}</select>', name, _attributes(widget["attrs"]), mark_safe("".join(groups)))


class LightInput:
    """Django's ``<input>`` for the widget it is mixed into, built in Python as ``LightSelect``."""

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], name, shown, _attributes(widget["attrs"]))


def _attributes(attrs: dict[str, object]) -> SafeString:
    """HTML attributes as Django's widget templates write them: ``True`` bare, ``False`` left out."""
    return mark_safe("".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    ))  # fmt: skip


class LightTextInput(LightInput, forms.TextInput):
    pass


class LightNumberInput(LightInput, forms.NumberInput):
    pass


class SearchForm(forms.Form):
    """The card browser's query, read from the URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=LightTextInput)
    deck = forms.ChoiceField(label=_("Deck"), required=False, widget=LightSelect)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100, widget=LightTextInput)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        widget=LightSelect,
        choices=[("", _("Any")), ("new", _("New")), ("learning", _("Learning")),
                 ("review", _("Review")), ("suspended", _("Suspended")), ("buried", _("Buried"))],
    )  # fmt: skip
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        widget=LightSelect,
        choices=[("", _("Any time")), ("overdue", _("Overdue")), ("today", _("Today")),
                 ("week", _("Next 7 days"))],
    )  # fmt: skip
    lapses = forms.IntegerField(label=_("Lapses at least"), required=False, min_value=0, widget=LightNumberInput)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        widget=LightSelect,
        choices=[("due", _("Due")), ("added", _("Added")), ("interval", _("Interval")),
                 ("ease", _("E-Factor")), ("lapses", _("Lapses"))],
    )  # fmt: skip

    def __init__(self, *args: object, decks: list[tuple[int, str, str]], **kwargs: object) -> None:
        """``decks``: the user's decks as (id, slug, name)."""
        super().__init__(*args, **kwargs)
        self.fields["deck"].choices = [("", _("All decks")), *((slug, name) for _, slug, name in decks)]


class CardForm(forms.ModelForm):
    """A card's text; its schedule and history are not the form's business."""

    MAX_SIDE = 20_000

    tags = forms.RegexField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        regex=re.compile(rf"^\s*({TAG_PATTERN}(\s+|$))*$", re.IGNORECASE | re.ASCII),  # lowercased by clean_tags
        error_messages={"invalid": _("Tags are lowercase words (a–z, 0–9, _ . : / -) separated by spaces.")},
    )

    class Meta:
        model = Card
        fields = ["deck", "front", "back", "tags"]
        labels = {"front": _("Question"), "back": _("Answer")}
        error_messages = {"front": {"required": _("A card needs a question.")}}

    def __init__(self, *args: object, owner: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deck"].queryset = Deck.objects.filter(owner=owner)
        for side in ("front", "back"):
            self.fields[side].validators.append(MaxLengthValidator(self.MAX_SIDE))
            self.fields[side].widget.attrs.update(rows=8 if side == "back" else 3, maxlength=self.MAX_SIDE)

    def clean_tags(self) -> str:
        return " ".join(dict.fromkeys(self.cleaned_data["tags"].lower().split()))

    def clean_deck(self) -> Deck:
        deck = self.cleaned_data["deck"]
        clash = Card.objects.filter(deck=deck, key=self.instance.key).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("That deck already has a card with this card's key."))
        return deck


class DeckForm(forms.ModelForm):
    class Meta:
        model = Deck
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, owner: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Deck.objects.filter(owner=self.owner, name=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("You already have a deck with this name."))
        return name


class BulkForm(forms.Form):
    """An action on the selected cards, or on every card the search matches."""

    action = forms.TypedChoiceField(
        label=_("Action"),
        coerce=BulkAction,
        choices=[
            (BulkAction.SUSPEND.value, _("Suspend")), (BulkAction.UNSUSPEND.value, _("Unsuspend")),
            (BulkAction.MOVE.value, _("Move to deck")), (BulkAction.ADD_TAG.value, _("Add tag")),
            (BulkAction.REMOVE_TAG.value, _("Remove tag")), (BulkAction.RESET.value, _("Reset to new")),
            (BulkAction.DELETE.value, _("Delete")),
        ],
    )  # fmt: skip
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[("selected", _("the selected cards")), ("all", _("every card the search matches"))],
        initial="selected",
    )
    # Django's own widgets: the card list renders this form once per language and deck list.
    target = forms.ModelChoiceField(label=_("Deck"), queryset=Deck.objects.none(), required=False)
    tag = forms.RegexField(label=_("Tag"), regex=rf"^{TAG_PATTERN}$", required=False, max_length=100)
    confirm = forms.BooleanField(label=_("Yes, I mean it"), required=False)

    def __init__(self, *args: object, owner: object, decks: list[tuple[int, str, str]], **kwargs: object) -> None:
        """``decks``: the owner's decks as (id, slug, name), as the page has read them already;
        they are the choices shown, while a choice is still checked against the owner's decks."""
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        target.queryset = Deck.objects.filter(owner=owner)
        target.choices = [("", target.empty_label), *((pk, name) for pk, _, name in decks)]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        action = data.get("action")
        if action is BulkAction.MOVE and not data.get("target"):
            self.add_error("target", _("Choose the deck to move the cards to."))
        if action in (BulkAction.ADD_TAG, BulkAction.REMOVE_TAG) and not data.get("tag"):
            self.add_error("tag", _("Name the tag."))
        if action in NEEDS_CONFIRMATION and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm; this changes cards for good."))
        return data
