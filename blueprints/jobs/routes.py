from flask import render_template

from blueprints.jobs import bp


@bp.get("/")
def index():
    return render_template("jobs/index.html")
