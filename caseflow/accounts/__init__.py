"""Users, offices, login and the admin pages that manage them."""
