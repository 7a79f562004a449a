"""The linter's rules, grouped by what they look at; ``okr.lint`` runs them all."""
