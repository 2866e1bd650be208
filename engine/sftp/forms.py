"""The connection form (pages and the Django admin): secrets are write-only, a connection in use by an
active flow cannot change."""

from __future__ import annotations

from django import forms

from engine.sftp import client
from engine.sftp.models import SftpConnection
from engine.sftp.services import connection_in_use, connection_save


class SftpConnectionForm(forms.ModelForm):
    # Never rendered back: an empty field on edit keeps what is stored.
    password = forms.CharField(
        required=False,
        max_length=255,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the stored one (or to log in with a private key).",
    )
    private_key = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off", "spellcheck": "false"}),
        help_text="An unencrypted OpenSSH or PEM private key, instead of a password. Leave empty to keep "
        "the stored one. It is never shown again.",
    )

    class Meta:
        model = SftpConnection
        fields = ["name", "host", "port", "username", "password", "private_key"]
        help_texts = {"host": "Name or address of the server, e.g. sftp.example.com (no sftp://)."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["password"] = ""
        self.initial["private_key"] = ""
        self.fields["port"].widget.attrs.update(min=1, max=65535)

    def clean_host(self) -> str:
        host = self.cleaned_data["host"].strip()
        if "://" in host or "/" in host or any(ch.isspace() for ch in host):
            raise forms.ValidationError("Give only the server's name or address, e.g. sftp.example.com.")
        return host

    def clean_port(self) -> int:
        port = self.cleaned_data["port"]
        if not 1 <= port <= 65535:
            raise forms.ValidationError("A port is a number from 1 to 65535 (SFTP usually listens on 22).")
        return port

    def clean_private_key(self) -> str:
        key = self.cleaned_data["private_key"].strip()
        if key:
            problem = client.private_key_problem(key)
            if problem:
                raise forms.ValidationError(problem)
            return key + "\n"
        return ""

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk is not None:
            refusal = connection_in_use(self.instance, "changed")
            if refusal:
                raise forms.ValidationError(refusal)
        password, key = data.get("password"), data.get("private_key")
        if password and key:
            raise forms.ValidationError("Give a password or a private key, not both.")
        has_secret = password or key or self.instance.password or self.instance.private_key
        if not has_secret and not self.errors:
            self.add_error("password", "Give the password or a private key to log in with.")
        return data

    def save(self, commit: bool = True) -> SftpConnection:
        # The ModelForm copies the cleaned fields onto the instance; an empty secret means "keep".
        stored = SftpConnection.objects.filter(pk=self.instance.pk).values("password", "private_key").first()
        connection = super().save(commit=False)
        stored = stored or {"password": "", "private_key": ""}
        password, key = self.cleaned_data.get("password"), self.cleaned_data.get("private_key")
        if password:
            connection.password, connection.private_key = password, ""
        elif key:
            connection.password, connection.private_key = "", key
        else:
            connection.password, connection.private_key = stored["password"], stored["private_key"]
        if commit:
            connection_save(connection=connection)
        return connection
