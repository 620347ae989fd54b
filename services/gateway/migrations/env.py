from services.gateway.models import Base
from services.runtime.migrate import run_env

run_env(Base.metadata)
