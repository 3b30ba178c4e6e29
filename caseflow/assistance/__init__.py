"""Administrative assistance after return: civil registration, ID card, health insurance..."""
