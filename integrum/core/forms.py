from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet

from integrum.core.models import Membership, Organisation, Role, Site, User


def members_of(organisation: Organisation) -> QuerySet[User]:
    """The people who may be chosen as owner, holder or assignee: members of the organisation."""
    return User.objects.filter(memberships__organisation=organisation).order_by("first_name", "last_name")


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class OrganisationForm(forms.ModelForm):
    """Base for forms inside an organisation: choices of related records are limited to it."""

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        self.organisation = organisation
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].widget = forms.HiddenInput()


class SiteForm(OrganisationForm):
    class Meta:
        model = Site
        fields = ["name", "code", "address", "is_active", "version"]

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip().upper()
        clash = Site.objects.filter(organisation=self.organisation, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another site already uses this code.")
        return code


class MemberForm(OrganisationForm):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)

    class Meta:
        model = Membership
        fields = ["role", "sites"]
        widgets = {"sites": forms.CheckboxSelectMultiple}

    field_order = ["email", "first_name", "last_name", "role", "sites"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]
        self.fields["role"].initial = Role.CONTRIBUTOR


class MemberUpdateForm(OrganisationForm):
    class Meta:
        model = Membership
        fields = ["role", "sites", "version"]
        widgets = {"sites": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]
