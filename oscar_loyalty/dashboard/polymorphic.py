"""Editing a django-polymorphic hierarchy in the dashboard, shared by earning rules and rewards.

django-polymorphic's CBV recipe: staff choose the type first (:class:`TypeSelectView`), then fill
in a ModelForm built for that concrete model (:class:`TypedCreateView`); editing uses the form of
the object's real type (:class:`TypedUpdateView`). Objects other records point at can only be
switched off, never deleted (:class:`SwitchOffOrDeleteView`).

A section (rules, rewards) subclasses these with its base model, its forms, its URL names and
its messages; the templates ``polymorphic_*.html`` are extended the same way.
"""

from collections.abc import Callable

from django import forms
from django.apps import apps
from django.contrib import messages
from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DeleteView, FormView, UpdateView, View

from .. import untrusted  # noqa: F401  (registers the <loyalty_id:...> converter)
from .common import dashboard_url
from .forms import BoundedNumbersMixin, check_date_in_range, datetime_picker

#: Fields no typed form shows: polymorphic bookkeeping and timestamps.
EXCLUDED_FIELDS = frozenset({"polymorphic_ctype", "created_at"})


def concrete_subtypes(base: type[models.Model], *, leaves_only: bool = True) -> dict:
    """The concrete models below ``base`` staff can create, keyed by model name.

    A project's own subclass shows up without touching the dashboard. With ``leaves_only``,
    models that are themselves subclassed (intermediate bases such as ``ActionRule``) are left
    out; without it, every concrete subclass is offered (a free product and a gift are both
    rewards, though a gift is a free product too).
    """
    subclasses = [
        model
        for model in apps.get_models()
        if issubclass(model, base) and model is not base and not model._meta.proxy
    ]
    return {
        model._meta.model_name: model
        for model in subclasses
        if not leaves_only
        or not any(other is not model and issubclass(other, model) for other in subclasses)
    }


def editable_fields(model: type[models.Model]) -> list[str]:
    """The editable fields of ``model``, base fields first, without parent links."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and not (isinstance(field, models.OneToOneField) and field.remote_field.parent_link)
        and field.name not in EXCLUDED_FIELDS
    ]


def _formfield(field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # an address typed without a scheme
    return field.formfield(**kwargs)


def typed_form_class(
    model: type[models.Model], base_form: type[forms.ModelForm]
) -> type[forms.ModelForm]:
    """The ModelForm for one concrete type (polymorphic's dynamic ``form_class``)."""
    return forms.modelform_factory(
        model, form=base_form, fields=editable_fields(model), formfield_callback=_formfield
    )


class ScheduledForm(BoundedNumbersMixin, forms.ModelForm):
    """Base of forms for objects with ``starts_at``/``ends_at``: date pickers, end after start,
    neither in a distant or impossible year."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            if name in self.fields:
                self.fields[name].widget = datetime_picker()

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name):
                try:
                    check_date_in_range(timezone.localdate(cleaned[name]))
                except forms.ValidationError as error:
                    self.add_error(name, error)  # also drops it from cleaned
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            # On the field, so Django skips a model date constraint (one message, not two).
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class TypeChoiceForm(forms.Form):
    """Step one of creating an object: which type. Subclasses name the field and the types."""

    field_name = "type"
    label = _("Type")
    #: What each type does, by model name (a project's own types show no text).
    help_texts: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                name,
                format_html(
                    '<strong>{}</strong><br><small class="text-muted">{}</small>',
                    capfirst(model._meta.verbose_name),
                    self.help_texts.get(name, ""),
                ),
            )
            for name, model in self.types().items()
        ]
        self.fields[self.field_name] = forms.ChoiceField(
            label=self.label,
            choices=choices,
            initial=choices[0][0] if choices else None,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        )

    @classmethod
    def types(cls) -> dict:
        raise NotImplementedError


class SectionMixin:
    """What a section's views share: the names of its pages, for links and redirects, and the
    form that lists its types.

    The URL names are ``url_prefix`` plus ``-list``, ``-create`` (step one), ``-create-type``
    (step two, with the type form's field name as argument), ``-update`` and ``-delete`` (with
    ``pk``); :func:`section_urls` declares them.
    """

    url_prefix: str
    type_form_class: type[TypeChoiceForm]

    def section_url(self, page: str, *args) -> str:
        return dashboard_url(f"{self.url_prefix}-{page}", *args)

    def list_url(self) -> str:
        return self.section_url("list")

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(list_url=self.list_url(), create_url=self.section_url("create"))
        obj = getattr(self, "object", None)
        if obj is not None and obj.pk:
            context.update(
                update_url=self.section_url("update", obj.pk),
                delete_url=self.section_url("delete", obj.pk),
            )
        return context


class TypeSelectView(SectionMixin, FormView):
    """Step one: pick the type; step two is that type's own form."""

    def get_form_class(self) -> type[TypeChoiceForm]:
        return self.type_form_class

    def form_valid(self, form: TypeChoiceForm) -> HttpResponse:
        return redirect(self.section_url("create-type", form.cleaned_data[form.field_name]))


class TypedFormMixin(SectionMixin):
    """The typed form plus an optional inline formset, saved together in one transaction."""

    type_model: type[models.Model]
    #: Builds the ModelForm class for a concrete type.
    form_class_for: Callable[[type[models.Model]], type[forms.ModelForm]]
    #: "… “%(name)s” saved."
    saved_message: str

    def get_form_class(self) -> type[forms.ModelForm]:
        return type(self).form_class_for(self.type_model)

    def get_formset(self, instance: models.Model | None) -> forms.BaseFormSet | None:
        """The inline formset edited with the object, if its type has one."""
        return None

    def get_context_data(self, **kwargs) -> dict:
        if "formset" not in kwargs:
            kwargs["formset"] = self.get_formset(self.object)
        context = super().get_context_data(**kwargs)
        context["type_name"] = self.type_model._meta.verbose_name
        return context

    def save(self, form: forms.ModelForm, formset: forms.BaseFormSet | None) -> bool:
        """Save inside the open transaction; False (with errors on the form) to re-render."""
        self.object = form.save()
        if formset is not None:
            formset.instance = self.object
            formset.save()
        return True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.object = self.get_object() if "pk" in kwargs else None
        form = self.get_form()
        formset = self.get_formset(self.object)
        if form.is_valid() and (formset is None or formset.is_valid()):
            with transaction.atomic():
                saved = self.save(form, formset)
                if not saved:
                    transaction.set_rollback(True)
            if saved:
                messages.success(request, self.saved_message % {"name": self.object})
                return redirect(self.list_url())
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


class TypedCreateView(TypedFormMixin, CreateView):
    """Step two: the form of the type chosen in step one (the type is in the URL)."""

    #: "There is no … type called %s."
    unknown_type_message: str

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        slug = kwargs[self.type_form_class.field_name]
        model = self.type_form_class.types().get(slug)
        if model is None:
            raise Http404(self.unknown_type_message % slug)
        self.type_model = model
        return super().dispatch(request, *args, **kwargs)


class TypedUpdateView(TypedFormMixin, UpdateView):
    """Edit an object with the form of its real type (polymorphic returns the subclass)."""

    def get_object(self, queryset=None) -> models.Model:
        obj = super().get_object(queryset)
        self.type_model = type(obj)
        return obj


class SwitchOffOrDeleteView(SectionMixin, DeleteView):
    """Delete an object nothing refers to; otherwise explain and offer to switch it off
    (``is_active = False``), so the records that point at it stay meaningful."""

    template_name: str
    #: Messages, each with ``%(name)s``.
    deleted_message: str
    switched_off_message: str
    in_use_message: str

    def is_in_use(self, obj: models.Model) -> bool:
        raise NotImplementedError

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["in_use"] = self.is_in_use(self.object)
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        obj = self.object = self.get_object()
        names = {"name": obj}
        if "deactivate" in request.POST:
            obj.is_active = False
            obj.save(update_fields=["is_active"])
            messages.success(request, self.switched_off_message % names)
            return redirect(self.list_url())
        if not self.is_in_use(obj):
            try:
                with transaction.atomic():
                    obj.delete()
            except ProtectedError:
                pass  # referred to since the check (e.g. a redemption a moment ago)
            else:
                messages.success(request, self.deleted_message % names)
                return redirect(self.list_url())
        messages.error(request, self.in_use_message % names)
        return redirect(self.section_url("delete", obj.pk))


def section_urls(
    route: str,
    *,
    list_view: type[View],
    type_select_view: type[TypeSelectView],
    create_view: type[TypedCreateView],
    update_view: type[TypedUpdateView],
    delete_view: type[SwitchOffOrDeleteView],
) -> list[URLPattern]:
    """The URLs of one section below ``route`` (e.g. ``"rules/"``), named after the views'
    ``url_prefix`` (see :class:`SectionMixin`)."""
    prefix, type_kwarg = create_view.url_prefix, create_view.type_form_class.field_name
    return [
        path(route, list_view.as_view(), name=f"{prefix}-list"),
        path(f"{route}new/", type_select_view.as_view(), name=f"{prefix}-create"),
        path(
            f"{route}new/<slug:{type_kwarg}>/",
            create_view.as_view(),
            name=f"{prefix}-create-type",
        ),
        path(f"{route}<loyalty_id:pk>/", update_view.as_view(), name=f"{prefix}-update"),
        path(f"{route}<loyalty_id:pk>/delete/", delete_view.as_view(), name=f"{prefix}-delete"),
    ]
