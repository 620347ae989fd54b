FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY services ./services
RUN pip install --no-cache-dir .

COPY config.yml ./config.yml

# Each container runs one service: `nameko run --config config.yml services.<name>.service:<Class>`.
CMD ["nameko", "run", "--config", "config.yml", "services.gateway.service:GatewayService"]
