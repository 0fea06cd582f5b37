"""The branding page, and the brand's public logo and stylesheet."""

from flask import abort, flash, make_response, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from blueprints.forms import apply_errors
from blueprints.settings import bp, brand_bp
from blueprints.settings.forms import BrandingForm
from blueprints.web import admin_required, form_status
from services import branding
from services.errors import ServiceError

FOREVER = 365 * 24 * 3600
# An SVG opened on its own (not through <img>) may run nothing and load nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.route("/branding", methods=["GET", "POST"])
@admin_required
def edit_branding():
    """The organisation's name, logo and accent colour, as candidates and e-mails see them."""
    brand = branding.current()
    form = BrandingForm(data={"organisation_name": brand.name, "accent_color": brand.accent if brand.custom_accent else ""})
    if form.validate_on_submit():
        upload = form.logo.data
        try:
            logo = branding.save(
                organisation_name=form.organisation_name.data,
                accent_color=form.accent_color.data,
                logo_data=upload.read(branding.MAX_LOGO_BYTES + 1) if upload else None,
                remove_logo=form.remove_logo.data,
                actor=current_user,
            )
        except ServiceError as refusal:
            apply_errors(form, refusal.fields)
        else:
            removed = f" Taken out of the SVG: {', '.join(logo.removed)}." if logo and logo.removed else ""
            flash(f"Branding saved.{removed}", "success")
            return redirect(url_for("settings.edit_branding"))
    return render_template("settings/branding.html", form=form, brand=brand, default_accent=branding.DEFAULT_ACCENT), form_status(
        form.errors
    )


@brand_bp.get("/logo/<name>")
def logo(name):
    """A stored logo by its content-derived name: public, and cached for good (it never changes)."""
    match = branding.LOGO_NAME.fullmatch(name)
    if match is None or not (branding.logo_folder() / name).is_file():
        abort(404)
    response = send_from_directory(branding.logo_folder(), name, mimetype=branding.MEDIA_TYPES[match.group(1)], max_age=FOREVER)
    response.headers["Cache-Control"] = f"public, max-age={FOREVER}, immutable"
    if match.group(1) == "svg":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@brand_bp.get("/brand.css")
def stylesheet():
    """The accent colour as CSS custom properties; its URL carries a version, so it is cached for good."""
    brand = branding.current()
    response = make_response(branding.stylesheet(brand))
    response.mimetype = "text/css"
    fresh = request.args.get("v") == brand.stylesheet_version
    response.headers["Cache-Control"] = f"public, max-age={FOREVER}, immutable" if fresh else "no-cache"
    return response
