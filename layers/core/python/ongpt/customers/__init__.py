"""The customer: profile and sign-in identity (Cognito)."""
