from flask import render_template

from blueprints.candidates import bp


@bp.get("/")
def index():
    return render_template("candidates/index.html")
