"""The password sign-in and the invite sign-up forms (ACC-18, ACC-19, ACC-24, ACC-25)."""

from allauth.account.forms import LoginForm
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError

from identity.services.accounts import has_inactive_player
from identity.services.invites import normalize_invite_code
from identity.services.signin import INACTIVE_MESSAGE

PASSWORDS_DIFFER_MESSAGE = "Passwords do not match."


class SignInForm(LoginForm):
    """allauth's username + password form with the site's labels and messages (ACC-18, ACC-19).

    Usernames match case-insensitively (allauth's backend, usernames stored lower-case). Every
    failure reads "Invalid username or password." (the adapter's message); a correct password
    for a user whose Player is inactive reads "This account is inactive. Contact an officer."
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "Discord username"
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs["autocapitalize"] = "none"
        password = self.fields["password"]
        password.label = "Password"
        password.help_text = ""  # no password reset by email (ACC-11)
        password.widget.attrs.pop("placeholder", None)

    def _clean_with_password(self, credentials: dict):
        cleaned = super()._clean_with_password(credentials)
        if self.user is not None and has_inactive_player(self.user):
            self.user = None
            raise ValidationError(INACTIVE_MESSAGE, code="inactive")
        return cleaned


class InviteSignUpForm(forms.Form):
    """Register with an invite code (ACC-24): steps 2-4 of ACC-25's validation order.

    Step 2 (every field filled) reports per field; steps 3 and 4 (passwords equal, password
    validators) add their messages above the form, all at once (issue 16). Steps 5-10 are the
    redemption service's (`identity.services.invites.redeem_invite`). The code is trimmed and
    upper-cased and the username trimmed in the bound data itself, so a re-rendered form shows
    them that way; the password inputs never render their values.
    """

    code = forms.CharField(
        label="Invite code",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    username = forms.CharField(
        label="Discord username",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        data = kwargs.get("data")
        if data is not None:
            data = data.copy()
            data["code"] = normalize_invite_code(data.get("code"))
            data["username"] = (data.get("username") or "").strip()
            kwargs["data"] = data
        super().__init__(*args, **kwargs)

    def clean(self):
        """Issue 16: every one of the form's own errors at once — the empty fields (step 2),
        passwords that differ (step 3) and every password rule broken (step 4) — instead of one
        a time. The invite's checks (steps 5-10) need a complete form and stay the redemption
        service's, after this."""
        cleaned = super().clean()
        password = cleaned.get("password1")
        confirm = cleaned.get("password2")
        if password and confirm and password != confirm:
            self.add_error(
                None, ValidationError(PASSWORDS_DIFFER_MESSAGE, code="password_mismatch")
            )
        if password:
            probe = get_user_model()(username=(cleaned.get("username") or "").lower())
            try:
                password_validation.validate_password(password, user=probe)
            except ValidationError as problems:
                self.add_error(None, problems)
        return cleaned
