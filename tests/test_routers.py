"""The pre-pass that finds the project's own router types from file texts."""

from __future__ import annotations

from bp_rules.validator.routers import BUILTIN_ROUTERS, router_names


def test_subclasses_of_subclasses_defined_in_other_files():
    texts = [
        "from fastapi import APIRouter\n\nclass UserAPIRouter(APIRouter):\n    pass\n",
        "from app.routers import UserAPIRouter\n\nclass AdminRouter(routers.UserAPIRouter, Generic[T]):\n    ...\n",
    ]
    assert router_names(texts) == BUILTIN_ROUTERS | {"UserAPIRouter", "AdminRouter"}


def test_factories_annotated_to_return_a_router_or_its_class():
    texts = [
        "def build_router(\n    prefix: str,\n    tags: list[str] | None = None,\n) -> APIRouter:\n    ...\n",
        "def router_class(route: type[APIRoute]) -> type[_APIRouter]:\n    ...\n",
        "from fastapi import APIRouter as _APIRouter\n",
        "async def create_app() -> 'FastAPI':\n    ...\n",
    ]
    assert router_names(texts) == BUILTIN_ROUTERS | {"build_router", "_APIRouter", "router_class", "create_app"}


def test_unrelated_classes_and_functions_are_not_routers():
    texts = [
        "class RouterConfig(BaseModel):\n    prefix: str = ''\n",
        "def get_router_name() -> str:\n    return 'x'\n",
        "x = 'class Fake(APIRouter):'  # class Other(APIRouter): in a comment line starts no class\n",
    ]
    assert router_names(texts) == BUILTIN_ROUTERS
