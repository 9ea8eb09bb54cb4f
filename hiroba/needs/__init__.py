"""Looking for a place (場所を探しています): needs, the places that fit, and the ward's help."""
