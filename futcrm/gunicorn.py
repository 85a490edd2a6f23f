"""gunicorn's settings for futcrm (`gunicorn -c python:futcrm.gunicorn futcrm.wsgi:application`): its access log
goes through core.logging, which masks phone and ID numbers (S9)."""

accesslog = "-"
logger_class = "core.logging.MaskingGunicornLogger"
