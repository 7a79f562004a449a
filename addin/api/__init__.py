"""The JSON API's blueprints; each route parses input, calls one function and formats the answer."""
