"""The `fynd` provider kind: Fynd Platform's application (storefront) catalogue and cart APIs."""
