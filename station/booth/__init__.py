"""The booth screen: a local web app served by the lane daemon, in English and Spanish."""
