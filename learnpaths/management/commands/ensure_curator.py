import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

CURATOR_USERNAME = "curator"


class Command(BaseCommand):
    help = (
        "Development: make sure a curator (staff superuser) account exists and say how to sign in."
    )

    def handle(self, *args, **options):
        user_model = get_user_model()
        if user_model.objects.filter(username=CURATOR_USERNAME).exists():
            self.stdout.write(
                f"Admin: sign in as “{CURATOR_USERNAME}” with the password printed when it was "
                "created (forgot it? "
                f".venv/bin/python manage.py changepassword {CURATOR_USERNAME})."
            )
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(
            username=CURATOR_USERNAME, email="curator@example.com", password=password
        )
        self.stdout.write(
            f"Admin: created the curator account. Sign in as “{CURATOR_USERNAME}” with password "
            f"{password} (shown only this once)."
        )
