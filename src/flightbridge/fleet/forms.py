"""The data source form of `/fleet/sources/…`: renders the fields and hands what was typed to the same
checks the API uses (`schemas.DataSourceIn`/`DataSourcePatch`, then `sources.create_source`/`update_source`).

The API key is write-only here as everywhere: the box is never filled with it (only "set" or "not set" is
said), an empty box keeps the stored key, and "Remove the API key" deletes it.
"""

from __future__ import annotations

from django import forms

from flightbridge.fleet.models import AuthType, Direction, SourceKind, SourceStatus, SyncFrequency

STATUS_CHOICES = [(SourceStatus.ACTIVE, "Active"), (SourceStatus.INACTIVE, "Inactive")]


class DataSourceForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="also the external_data_source value models are matched on")
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.HTTP, label="Kind", required=False,
                             help_text="the FAA aircraft reference reads the loaded FAA registry: no endpoint, no key")
    endpoint = forms.CharField(max_length=500, required=False, label="Endpoint (https URL)",
                               widget=forms.URLInput(attrs={"placeholder": "https://models.example.org/api/v1/aircraft-models"}))
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    direction = forms.ChoiceField(choices=Direction.choices)
    sync_frequency = forms.ChoiceField(choices=SyncFrequency.choices, label="Sync")
    auth_type = forms.ChoiceField(choices=AuthType.choices, label="Authentication")
    username = forms.CharField(max_length=200, required=False, label="Username (HTTP basic only)")
    api_key = forms.CharField(max_length=4000, required=False, label="API key",
                              widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
    remove_api_key = forms.BooleanField(required=False, label="Remove the API key")

    def __init__(self, *args, source=None, **kwargs):
        if source is not None:
            kwargs["initial"] = {name: getattr(source, name) for name in (
                "name", "endpoint", "status", "direction", "sync_frequency", "auth_type", "username")}
        super().__init__(*args, **kwargs)
        has_key = source is not None and source.has_secret("api_key")
        self.fields["api_key"].widget.attrs["placeholder"] = (
            "set: leave empty to keep it, or type a new one" if has_key else "not set")
        if source is not None:
            del self.fields["kind"]  # set when the source is made; it never changes
        if source is None:
            del self.fields["remove_api_key"]
            del self.fields["status"]  # a new connection starts active
        elif not has_key:
            del self.fields["remove_api_key"]
        elif source.status == SourceStatus.DEGRADED:
            self.fields["status"].choices = [(SourceStatus.DEGRADED, "Degraded (a sync failed)"), *STATUS_CHOICES]

    def api_data(self) -> dict:
        """What was typed, as the API's body: the key only when one was typed ("" when it is to be removed)."""
        data = {name: self.cleaned_data.get(name) for name in (
            "name", "endpoint", "direction", "sync_frequency", "auth_type", "username")}
        if self.cleaned_data.get("kind"):
            data["kind"] = self.cleaned_data["kind"]
        if self.cleaned_data.get("status") and self.cleaned_data["status"] != SourceStatus.DEGRADED:
            data["status"] = self.cleaned_data["status"]
        if self.cleaned_data.get("remove_api_key"):
            data["api_key"] = ""
        elif self.cleaned_data.get("api_key"):
            data["api_key"] = self.cleaned_data["api_key"]
        return data
