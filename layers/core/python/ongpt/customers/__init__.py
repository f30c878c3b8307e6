"""The customer: profile, sign-in identity (Cognito) and the export."""
