"""Configuration defaults. No secrets live here: SECRET_KEY comes from the
environment, `instance/config.py`, or a key generated once into `instance/`."""

# The SQLite file inside the instance folder unless DATABASE_URL or
# TRACKER_SQLALCHEMY_DATABASE_URI says otherwise (filled in by the factory).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

# Cookies: never readable from JavaScript, not sent on cross-site posts.
# Set TRACKER_SECURE_COOKIES=true behind HTTPS to add the Secure flag.
SECURE_COOKIES = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# "Keep me signed in" lasts this many days in the browser (the factory turns
# it into REMEMBER_COOKIE_DURATION). Signing out, a new password, "Sign out
# everywhere", deactivation and a role change end it sooner.
REMEMBER_DAYS = 14

# Strict-Transport-Security: off until the site is served over HTTPS only.
# Then set TRACKER_HSTS_SECONDS=31536000 (a year): browsers will refuse plain
# HTTP to this host for that long, so turn it on only once HTTPS works.
HSTS_SECONDS = 0

# Argon2id with OWASP's parameters: 19 MiB of memory, 2 passes, 1 lane
# (`argon2id:<memory KiB>:<time cost>:<parallelism>`). Hashes made with other
# parameters, or by werkzeug's scrypt and pbkdf2, are replaced on the next
# successful sign-in.
PASSWORD_HASH_METHOD = "argon2id:19456:2:1"  # noqa: S105 (a method name, not a secret)
PASSWORD_MIN_LENGTH = 12
# A password an admin or the CLI set for someone must be replaced at their
# first sign-in and stops working this many hours after it was issued.
TEMPORARY_PASSWORD_HOURS = 72

# How many reverse proxies (each adding to X-Forwarded-For) stand in front of
# the app. 0 means none: the address the request comes from is the client's.
TRUSTED_PROXIES = 0

# Sign-in throttling: after this many failed sign-ins within the window for
# one account (the email typed), or from one client address, further attempts
# are answered 429 with Retry-After until the window has moved past them.
SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 5
SIGN_IN_MAX_FAILURES_PER_ADDRESS = 20
SIGN_IN_WINDOW_MINUTES = 15

# Single sign-on with OpenID Connect (tracker/sso/). Off while OIDC_ISSUER is
# empty. The issuer is the URL its discovery document hangs under
# (`<issuer>/.well-known/openid-configuration`); the client id and secret come
# from registering this app with the provider, whose redirect URI is
# `<PUBLIC_URL>/login/sso/callback`. The secret belongs in the environment or
# instance/config.py, never here.
OIDC_ISSUER = ""
OIDC_CLIENT_ID = ""
OIDC_CLIENT_SECRET = ""
OIDC_SCOPES = "openid email profile"
# What the sign-in button says: "Sign in with <OIDC_PROVIDER_NAME>".
OIDC_PROVIDER_NAME = "single sign-on"
# The ID token claim holding the person's email, which names their account here.
OIDC_EMAIL_CLAIM = "email"
# Refuse an email the provider does not vouch for (`email_verified` true).
# Entra ID sends no such claim: set it false there (see the README).
OIDC_REQUIRE_VERIFIED_EMAIL = True
# Roles from the provider: the claim holding the person's groups (or app
# roles) and {value: role}, e.g. {"tracker-admins": "admin"}. The first
# value in this map that the person holds decides their role at every
# sign-in; none gives the member role. Empty: roles are managed here only.
OIDC_ROLE_CLAIM = "groups"
OIDC_ROLE_MAP: dict[str, str] = {}
# Create an account at the first sign-in of someone the provider vouches for.
OIDC_PROVISION = False
# Seconds of clock difference tolerated when checking the ID token's times.
OIDC_CLOCK_SKEW_SECONDS = 120
# Seconds to wait for each answer of the provider.
OIDC_TIMEOUT = 10
# Password sign-in. With single sign-on, set it false so everyone signs in
# through the provider, except the break-glass admin: an admin account (its
# email here) that can still sign in with its password when the provider is
# down or misconfigured.
PASSWORD_SIGN_IN = True
BREAK_GLASS_ADMIN = ""

# CSRF tokens live as long as the session: a long form must not expire.
WTF_CSRF_TIME_LIMIT = None

# Request bodies above this are refused with 413 before any view runs.
MAX_CONTENT_LENGTH = 2 * 1024 * 1024

# A readings CSV of more rows is refused before it is checked (the whole file
# is checked in a fixed number of queries, each naming up to twice this many
# values: keep it at most 15,000 on SQLite, which takes 32,766 per query).
# The page lists the first READINGS_IMPORT_MAX_ERRORS problems and counts the rest.
READINGS_IMPORT_MAX_ROWS = 10_000
READINGS_IMPORT_MAX_ERRORS = 50

# Each API token may make this many requests per minute; beyond, 429 with
# Retry-After until the next minute (counted in the database, across workers).
API_REQUESTS_PER_MINUTE = 120

ORGANISATION_NAME = "Burning Platform Tracker"

# Mail. The file backend writes .eml files into instance/outbox/ so that
# development needs no mail server; set MAIL_BACKEND=smtp in production.
MAIL_BACKEND = "file"
MAIL_SERVER = "localhost"
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "Burning Platform Tracker <tracker@localhost>"
MAIL_TIMEOUT = 10
MAIL_OUTBOX = None  # defaults to instance/outbox

# Check-ins by email reply (see README, "Checking in by email"). Replies go
# to checkin+<signed token>@REPLY_DOMAIN, whose mail reaches the tracker
# through `flask mail receive` (SMTP/LMTP) or the inbound-mail webhook.
# Unset, reminders offer no reply address and nothing is received.
REPLY_DOMAIN = None
# The webhook (POST /checkins/replies/inbound) is open only with this shared
# secret, sent as "Authorization: Bearer <secret>"; unset, it answers 404.
INBOUND_MAIL_SECRET = None
# Largest reply accepted, in bytes: the SMTP receiver refuses a larger one
# with 552, the webhook with 413.
INBOUND_MAIL_MAX_BYTES = 2 * 1024 * 1024
# Webhooks out. A delivery waits this many seconds for the endpoint's answer
# (past it, once the request was sent, its outcome is unknown and it is not
# resent automatically).
WEBHOOK_TIMEOUT = 10
# An endpoint whose every delivery has failed for this many days is disabled
# and its owner told.
WEBHOOK_DISABLE_AFTER_DAYS = 3
# After a secret is rotated, the previous one still signs for this long.
WEBHOOK_ROTATION_GRACE_HOURS = 24
# Off: endpoints on loopback, private, link-local or reserved addresses
# (127.0.0.1, 10.x, 192.168.x, 169.254.169.254…) are refused when registered
# and when each delivery is made, so an admin cannot point the app at the
# machine's own network. Turn it on for receivers inside your network (and in
# development and tests, whose receivers live on 127.0.0.1).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

# Where people reach the app: links in emails are built from it.
PUBLIC_URL = "http://127.0.0.1:5000"

# Tests only: an aware UTC datetime that `tracker.clock.now()` returns instead
# of reading the clock, so a page test knows what "today" is.
FIXED_NOW = None

# How often the scheduler runs its jobs, in minutes.
SCHEDULER_INTERVAL_MINUTES = 5
