"""Flask extensions, created without an app and bound in `create_app`."""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from tracker.db import Base

db = SQLAlchemy(model_class=Base)
# The models' base class: `db.Model`, which is `Base` with Flask-SQLAlchemy's
# extras. A type checker cannot see a class inside `db`, so it is named here.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
