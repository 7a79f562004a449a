"""The WSGI entry point for any WSGI server: ``gunicorn addin.wsgi:app``.

``okr serve`` runs gunicorn on it with the project's settings; a platform that brings its
own server (uWSGI, mod_wsgi, a PaaS) points at ``addin.wsgi:app``. Configuration comes from
the environment (and a development ``.env``), exactly as for ``okr serve``.
"""

from __future__ import annotations

from addin import create_app
from addin.config import load_dotenv

load_dotenv()
app = create_app()
