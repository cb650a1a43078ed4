"""Flask-Admin strings that are built at run time, so extraction cannot see them (domain "admin").

Never imported: `make i18n` extracts it together with the installed Flask-Admin (see
translations/flask_admin.cfg). Flask-Admin's page-size menu asks for
`_ngettext("{} item".format(n), "{} items".format(n), n)` for each of `page_size_options`
(25, 50, 100 in portal/admin_views/base.py): keep the sizes here in step with them.
"""

_ngettext("25 item", "25 items", 25)  # noqa: F821
_ngettext("50 item", "50 items", 50)  # noqa: F821
_ngettext("100 item", "100 items", 100)  # noqa: F821
