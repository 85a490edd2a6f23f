FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . \
    && mkdir -p /app/staticfiles && chmod 777 /app/staticfiles \
    && useradd --create-home futcrm
USER futcrm
# collectstatic needs settings but no real secrets or servers.
RUN FUTCRM_ENV=production DJANGO_SECRET_KEY=build FUTCRM_PII_KEY=Y2ktZHVtbXkta2V5LWZvci1jaGVjay1kZXBsb3kxMjM= \
    DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "-c", "python:futcrm.gunicorn", "futcrm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
