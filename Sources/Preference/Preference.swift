// Preference data (issue 3): files arrive with the loaders.
