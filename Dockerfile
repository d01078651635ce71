FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends openssh-client curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY ponstack ./ponstack
COPY core ./core
COPY crm ./crm
COPY oms ./oms
COPY api ./api
COPY inventory ./inventory
COPY tasks ./tasks
COPY vendor_cli ./vendor_cli
COPY migrations ./migrations
RUN pip install .
RUN useradd --system --home /app ponstack
USER ponstack
EXPOSE 8000
CMD ["ponstack", "up", "--host", "0.0.0.0"]
