"""Results shared by web pages and the API, computed once per data version and cached."""
