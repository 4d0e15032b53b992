"""Topic taxonomy, classifier, evaluation and discovery."""
