"""`flask --app app demo`: load the demo dataset."""

import click


@click.command("demo")
def demo_command() -> None:
    """Load a demo dataset."""
    raise click.ClickException("not built yet")
