"""The readable API reference: the OpenAPI document rendered by our own
template, from this site only (no CDN, no script)."""

from flask import current_app, render_template

from tracker.api import docs


@docs.get("/reference")
def reference():
    spec = current_app.extensions["tracker_api"].spec.to_dict()
    operations = [(path, method, operation) for path, item in spec["paths"].items()
                  for method, operation in item.items()
                  if method in ("get", "post", "patch", "put", "delete")]
    return render_template("api/reference.html", spec=spec, operations=operations)
