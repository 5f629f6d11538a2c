"""Read a form the way a browser submits it (every field's name and value), and the admin's
URLs: the one place the tests take them from."""

from html.parser import HTMLParser

from django.urls import reverse


def admin_url(obj) -> str:
    """obj's admin change page."""
    return admin_view_url(type(obj), "change", obj.pk)


def admin_view_url(model, view: str, *args) -> str:
    """The admin page `view` ("changelist", "add", "change", "delete", …) of `model`."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class _FormFields(HTMLParser):
    """Collects what submitting the page's admin form would send, as {name: [values]}."""

    def __init__(self, form_id: str | None = None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id  # None: the admin's change or add form (its id ends in _form)
        self.fields: dict[str, list[str]] = {}
        self.in_form = False
        self.select: tuple[str, bool] | None = None  # (name, multiple)
        self.select_seen: dict[str, list[str]] = {}
        self.textarea: str | None = None
        self.text: list[str] = []

    def add(self, name, value):
        if name:
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            form_id = attrs.get("id") or ""
            if form_id == self.form_id or (self.form_id is None and form_id.endswith("_form")):
                self.in_form = True
        if not self.in_form:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.add(attrs.get("name"), attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self.select = (attrs.get("name"), "multiple" in attrs)
            self.select_seen[self.select[0]] = []
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            self.select_seen[self.select[0]].append(value)
            if "selected" in attrs:
                self.add(self.select[0], value)
        elif tag == "textarea":
            self.textarea = attrs.get("name")
            self.text = []

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select:
            name, multiple = self.select
            options = self.select_seen[name]
            # A single select with nothing selected sends its first option, as browsers do.
            if not multiple and name not in self.fields and options:
                self.add(name, options[0])
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # The HTML parser keeps the newline that browsers drop after <textarea>.
            self.add(self.textarea, "".join(self.text).removeprefix("\n"))
            self.textarea = None


def form_fields(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    """What submitting the form with id `form_id` (default: the admin's change form) on the
    page `html` would send, as {name: [values]}."""
    parser = _FormFields(form_id)
    parser.feed(html)
    return parser.fields


def change_form(client, obj) -> dict[str, list[str]]:
    """GET obj's admin change page and return its form's fields, ready to post back."""
    response = client.get(admin_url(obj))
    assert response.status_code == 200
    parser = _FormFields()
    parser.feed(response.content.decode())
    assert parser.fields, "no admin form on the page"
    return parser.fields


def post_form(client, obj, fields: dict[str, list[str]]):
    return client.post(admin_url(obj), {**fields, "_save": "Save"})
