"""Settings for the PATT guild platform.

Every value comes from the environment (django-environ); every variable is documented in
`.env.example` and the README. With no environment at all the project runs for development:
a SQLite file, DEBUG on, a generated dev secret key, the django-q2 ORM broker.
`APP_ENV=production` (or its alias `DJANGO_ENV=production`) switches on the hardening.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

APP_ENV = env.str("APP_ENV", default=env.str("DJANGO_ENV", default="development")).lower()
PRODUCTION = APP_ENV == "production"

# --- core -----------------------------------------------------------------------------------
DEBUG = False if PRODUCTION else env.bool("DJANGO_DEBUG", default=True)

_secret = env.str("DJANGO_SECRET_KEY", default=env.str("SECRET_KEY", default=""))
if PRODUCTION and not _secret:
    raise environ.ImproperlyConfigured("DJANGO_SECRET_KEY is required when APP_ENV=production")
# Development only: a fixed, obviously unsafe key so sessions survive restarts.
SECRET_KEY = _secret or "django-insecure-dev-only-key-never-use-in-production-patt-guild-0000"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "patt.apps.PattAdminConfig",  # django.contrib.admin with the registry's admin pages
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_q",
    "patt.apps.SiteConfigAppConfig",
    "identity",
    "campaigns",
    "roster",
    "onboarding",
    "legacy",  # manage.py import_legacy_patt (issue 14): the roof, no app imports it
    # Accounts (ACC-10): django-allauth with the Discord provider.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.discord",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # ACC-53: the header middleware wraps WhiteNoise, so static files (which WhiteNoise answers
    # without going further down) carry the same headers as pages (issue 11 item 21).
    "patt.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # ACC-36/37: officer rule and inactive sign-out on every request; then ACC-21's admin gate.
    "identity.auth.middleware.AccountAccessMiddleware",
    "identity.auth.middleware.AdminAccessMiddleware",
    # ACC-51: last, so JSON error bodies under /api/ still get every header above.
    "patt.middleware.ApiErrorMiddleware",
]

ROOT_URLCONF = "patt.urls"
WSGI_APPLICATION = "patt.wsgi.application"
ASGI_APPLICATION = "patt.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "patt.context_processors.site",
                "identity.context_processors.viewer",  # the viewer's Player (user menu)
                "campaigns.context_processors.nav_vote",  # ACC-45 "Vote" item
            ],
        },
    },
]

# --- database and cache ---------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Issue 17: production keeps each connection for 60 s (health-checked below) instead of opening
# one per request; development's runserver starts a thread per request, so there it is 0.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
# BOT-9: a connection kept open (CONN_MAX_AGE) is checked before reuse, so a long-running
# process (the bot, the worker) recovers from a database restart instead of failing once.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DB_PREPARED_STATEMENTS", default=True
):
    # Issue 17: PostgreSQL binds the parameters itself and a statement run 5 times on a kept
    # connection is prepared once, so neither Python nor the server re-quotes and re-plans the
    # same queries on every request (bench/ballots.py: server CPU per ballot 17.8 -> 13.9 ms).
    # Behind a transaction-pooling proxy (PgBouncer in transaction mode) set it to false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the django-q2 worker share the file: wait for the write lock, and take
    # it when a transaction begins (IMMEDIATE), so two writers queue instead of one failing
    # with "database is locked" when it tries to upgrade a read lock; WAL lets reads go on
    # while one write is in progress.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # issue 17: Redis going away degrades the cache to an empty one instead of failing pages
    # (patt/cache.py); it is used again by itself once Redis answers.
    CACHES = {"default": {"BACKEND": "patt.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    # ACC-9: the database cache, shared by every web process (rate limits).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "patt_cache",
        }
    }

# --- django-q2 ------------------------------------------------------------------------------
# IDN-47: catch_up off, a finite timeout shorter than retry, one attempt per task.
Q_CLUSTER = {
    "name": "patt",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 1200,
    "retry": 1500,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "label": "Task queue",
}
if REDIS_URL and env.bool("Q_USE_REDIS", default=True):
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- auth -----------------------------------------------------------------------------------
# Issue 14: PBKDF2 stays the default; the bcrypt hashers read imported legacy PATT hashes
# (stored as "bcrypt$<hash>") and upgrade them to PBKDF2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# ACC-12: applied on sign-up, password change and password set. The minimum-length validator
# is Django's with the message "Password must be at least 8 characters."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "identity.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# --- django-allauth (ACC-10 … ACC-26, ACC-40) -----------------------------------------------
ACCOUNT_LOGIN_METHODS = {"username"}
# The invite code is the sign-up form's own field (identity.auth.forms.InviteSignUpForm).
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_NOTIFICATIONS = False
ACCOUNT_ADAPTER = "identity.auth.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "identity.auth.forms.SignInForm"}
SOCIALACCOUNT_ADAPTER = "identity.auth.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
# ACC-40 (ACC-42: tests may raise these; tests/accounts/test_rate_limits.py runs these values).
# `invite_redeem` is the site's own action: every POST to /accounts/signup/ counts.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "invite_redeem": "10/10m/ip",
}
DISCORD_CLIENT_ID = env.str("DISCORD_CLIENT_ID", default="")
DISCORD_CLIENT_SECRET = env.str("DISCORD_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {
    "discord": {
        "SCOPE": ["identify"],
        # Credentials from the environment, no SocialApp row (ACC-10). Unset: no Discord button.
        "APPS": (
            [{"client_id": DISCORD_CLIENT_ID, "secret": DISCORD_CLIENT_SECRET, "key": ""}]
            if DISCORD_CLIENT_ID
            else []
        ),
    }
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- i18n and time (ACC-4) ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Outside production whitenoise serves straight from static/ (no collectstatic needed), also
# under the test client and live-server tests, where DEBUG is off.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- security (ACC-53..57) ------------------------------------------------------------------
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# ACC-49/ACC-51: themed CSRF failure page, JSON under /api/.
CSRF_FAILURE_VIEW = "patt.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

_extra_img = env.str("CSP_EXTRA_IMG_SRC", default="").split()
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            "https://drive.google.com",
            "https://*.googleusercontent.com",
            *_extra_img,
        ],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", "https://discord.com"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- integrations (identity spec IDN-18) ----------------------------------------------------
DISCORD_BOT_TOKEN = env.str("DISCORD_BOT_TOKEN", default="")
DISCORD_GUILD_ID = env.str("DISCORD_GUILD_ID", default="")
DISCORD_API_URL = env.str("DISCORD_API_URL", default="https://discord.com/api/v10")
# BOT-14: (connect, read) timeouts of the REST client, and the longest 429 wait it accepts.
DISCORD_HTTP_TIMEOUT = (
    env.float("DISCORD_HTTP_CONNECT_TIMEOUT", default=5.0),
    env.float("DISCORD_HTTP_READ_TIMEOUT", default=15.0),
)
DISCORD_MAX_RETRY_AFTER = env.float("DISCORD_MAX_RETRY_AFTER", default=30.0)
# BOT-3: how often runbot renews its lease; a --force takeover is noticed at the next renewal.
BOT_HEARTBEAT_SECONDS = env.float("BOT_HEARTBEAT_SECONDS", default=30.0)
# BOT-8: the threads the bot's handlers run on (events of one user stay in order); 0 = one
# shared sync thread (sync_to_async's thread_sensitive=True), as BOT-8 has it.
BOT_HANDLER_THREADS = env.int("BOT_HANDLER_THREADS", default=8)
# ONB-1: onboarding's timings (the late-reply window, the nudge, the verification deadline)
# and the checker's resume queue (at most this many opening DMs per run, to members who joined
# within this many days).
ONBOARDING_ANSWER_WINDOW_SECONDS = env.int("ONBOARDING_ANSWER_WINDOW_SECONDS", default=300)
ONBOARDING_NUDGE_AFTER_SECONDS = env.int("ONBOARDING_NUDGE_AFTER_SECONDS", default=3600)
ONBOARDING_DEADLINE_HOURS = env.int("ONBOARDING_DEADLINE_HOURS", default=24)
ONBOARDING_RESUME_BATCH = env.int("ONBOARDING_RESUME_BATCH", default=10)
ONBOARDING_RESUME_MAX_AGE_DAYS = env.int("ONBOARDING_RESUME_MAX_AGE_DAYS", default=14)
BLIZZARD_CLIENT_ID = env.str("BLIZZARD_CLIENT_ID", default="")
BLIZZARD_CLIENT_SECRET = env.str("BLIZZARD_CLIENT_SECRET", default="")
BLIZZARD_REGION = env.str("BLIZZARD_REGION", default="us")
BLIZZARD_API_URL = env.str("BLIZZARD_API_URL", default="https://{region}.api.blizzard.com")
BLIZZARD_OAUTH_URL = env.str("BLIZZARD_OAUTH_URL", default="https://oauth.battle.net")
BLIZZARD_LOCALE = env.str("BLIZZARD_LOCALE", default="en_US")
BLIZZARD_TIMEOUT = (  # (connect, read) seconds
    env.float("BLIZZARD_CONNECT_TIMEOUT", default=5.0),
    env.float("BLIZZARD_READ_TIMEOUT", default=20.0),
)
BLIZZARD_MAX_CONCURRENCY = env.int("BLIZZARD_MAX_CONCURRENCY", default=10)
BLIZZARD_RATE_PER_SECOND = env.int("BLIZZARD_RATE_PER_SECOND", default=100)
BLIZZARD_RATE_PER_HOUR = env.int("BLIZZARD_RATE_PER_HOUR", default=36000)
IDENTITY_STALE_DAYS = env.int("IDENTITY_STALE_DAYS", default=30)
# ROS-49: the Raid-Helper API (roster/raid_helper.py). The key is environment-only and never
# reaches a page, a log line or SiteConfig (ROS-47); signups are spaced at least this far apart.
RAID_HELPER_API_URL = env.str("RAID_HELPER_API_URL", default="https://raid-helper.xyz/api/v4")
RAID_HELPER_API_KEY = env.str("RAID_HELPER_API_KEY", default="")
RAID_HELPER_SIGNUP_DELAY_MS = env.int("RAID_HELPER_SIGNUP_DELAY_MS", default=200)
INVITE_CODE_TTL_HOURS = env.int("INVITE_CODE_TTL_HOURS", default=72)
# Addon uploads (UPL-4, UPL-5, UPL-7): POSTs per token per hour, failed token checks per IP per
# 10 minutes, the body cap (also after gzip) and the days an upload's payload is kept.
ADDON_UPLOAD_RATE_PER_HOUR = env.int("ADDON_UPLOAD_RATE_PER_HOUR", default=30)
ADDON_UPLOAD_AUTH_FAILURES_PER_IP = env.int("ADDON_UPLOAD_AUTH_FAILURES_PER_IP", default=20)
ADDON_UPLOAD_MAX_BYTES = env.int("ADDON_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
ADDON_UPLOAD_RETENTION_DAYS = env.int("ADDON_UPLOAD_RETENTION_DAYS", default=30)

# --- logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "patt.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # BOT-11: LOG_FORMAT=json writes one JSON object per line, with the `extra` fields.
            "formatter": "json" if env.str("LOG_FORMAT", default="plain") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
