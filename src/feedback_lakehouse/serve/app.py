"""The workspace's web app (FastAPI on Starlette, Jinja2 templates, served by uvicorn).

Every request opens its own read-only DuckDB connection and closes it, so no lock is held
between requests and `dbt build` can rebuild the file while the app runs. The one write
is `POST /api/decisions`: a review decision, validated and dropped into the landing
folder as `feedback review import` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from feedback_lakehouse.serve import charts, pages, queries, review_desk
from feedback_lakehouse.serve.filters import FilterError, Filters, link

HERE = Path(__file__).parent
NAV = (
    ("/", "This week"),
    ("/products", "Products"),
    ("/review", "Review"),
)


@dataclass(frozen=True)
class Settings:
    db_path: Path
    landing_dir: Path
    schema: str = "main"
    # an `openai` / `azure_openai` provider: the issue digest is the LLM's map-reduce
    # summary (cached beside the database); None: the extractive digest
    digest_provider: Any = None


class Unavailable(RuntimeError):
    """The database cannot be read now; the message says why and what to do."""


@contextmanager
def read_only(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    if not settings.db_path.exists():
        raise Unavailable(f"{settings.db_path} does not exist: run `make demo` (or dbt build)")
    try:
        con = duckdb.connect(str(settings.db_path), read_only=True)
    except duckdb.IOException as err:
        raise Unavailable(
            f"cannot open {settings.db_path} read-only ({err}); a dbt build may be writing "
            "it: reload the page when it has finished"
        ) from err
    try:
        yield con
    finally:
        con.close()


def create_app(
    db_path: str | Path, landing_dir: str | Path, schema: str = "main", digest_provider: Any = None
) -> FastAPI:
    """The workspace over the DuckDB file `db_path`; decisions go to `landing_dir`."""
    settings = Settings(Path(db_path), Path(landing_dir), schema, digest_provider)
    app = FastAPI(title="Feedback workspace", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(link=link, nav=NAV)

    def render(request: Request, name: str, build: Callable[..., dict[str, Any]]) -> Response:
        try:
            f = Filters.from_query(dict(request.query_params))
        except FilterError as err:
            return HTMLResponse(f"<h1>Bad filter</h1><p>{err}</p>", status_code=400)
        try:
            with read_only(settings) as con:
                context = build(con, f)
                context.update(
                    filters=f,
                    options=queries.options(con, schema),
                    as_of=queries.as_of_date(con, schema),
                )
        except duckdb.CatalogException as err:
            message = (
                f"{settings.db_path} has no built marts in schema '{schema}' ({err}); run "
                "`make build` (or dbt build) on it, or pass --schema"
            )
            return templates.TemplateResponse(
                request, "error.html", {"message": message}, status_code=503
            )
        except (Unavailable, FilterError) as err:
            code = 400 if isinstance(err, FilterError) else 503
            return templates.TemplateResponse(
                request, "error.html", {"message": str(err)}, status_code=code
            )
        context["path"] = request.url.path
        return templates.TemplateResponse(request, name, context)

    _routes(app, settings, render)
    return app


def _routes(app: FastAPI, settings: Settings, render: Callable[..., Response]) -> None:
    schema = settings.schema

    @app.get("/", response_class=HTMLResponse)
    def this_week(request: Request) -> Response:
        return render(request, "this_week.html", lambda con, f: pages.this_week(con, schema, f))

    @app.get("/texts", response_class=HTMLResponse)
    def texts(request: Request) -> Response:
        query = dict(request.query_params)
        return render(request, "texts.html", lambda con, f: pages.texts(con, schema, f, query))

    @app.get("/issue/{category}", response_class=HTMLResponse)
    def issue(request: Request, category: str, sku: str = "", app_version: str = "") -> Response:
        return render(
            request,
            "issue.html",
            lambda con, f: pages.issue(
                con, schema, f, category, sku, app_version, settings.digest_provider
            ),
        )

    @app.get("/products", response_class=HTMLResponse)
    def products(request: Request) -> Response:
        return render(request, "products.html", lambda con, f: pages.products(con, schema, f))

    @app.get("/product/{sku}", response_class=HTMLResponse)
    def product(request: Request, sku: str) -> Response:
        return render(request, "product.html", lambda con, f: pages.product(con, schema, f, sku))

    @app.get("/review", response_class=HTMLResponse)
    def review(request: Request, skip: str = "") -> Response:
        return render(
            request,
            "review.html",
            lambda con, f: pages.review(con, schema, f, settings.landing_dir, skip),
        )

    @app.post("/api/decisions")
    async def decide(request: Request) -> JSONResponse:
        return await _decide(request, settings)

    @app.get("/static-plotly.js")
    def plotly_js() -> FileResponse:
        return FileResponse(charts.plotly_js(), media_type="text/javascript")


async def _decide(request: Request, settings: Settings) -> JSONResponse:
    """Validate one decision and drop it into the landing folder (422 with the problems).

    Only `application/json` bodies: another site's page can post a form (text/plain)
    to 127.0.0.1 without asking, but not JSON, which needs a CORS preflight this app
    never grants."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse(
            {"errors": ["send the decision as JSON (Content-Type: application/json)"]},
            status_code=415,
        )
    try:
        payload = await request.json()
    except ValueError:
        return JSONResponse({"errors": ["the body is not JSON"]}, status_code=400)
    if not isinstance(payload, dict):
        return JSONResponse({"errors": ["the body must be a JSON object"]}, status_code=400)
    try:
        with read_only(settings) as con:
            written, errors = review_desk.decide(
                con,
                settings.schema,
                settings.landing_dir,
                payload,
                queries.categories(con, settings.schema),
            )
    except Unavailable as err:
        return JSONResponse({"errors": [str(err)]}, status_code=503)
    except duckdb.CatalogException as err:
        message = f"{settings.db_path} has no built marts ({err}); run `make build` on it"
        return JSONResponse({"errors": [message]}, status_code=503)
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    return JSONResponse({"file": str(written)})
