"""Commands that combine the stages: the build pipeline, the annual and national reports, preflight, mail, init."""
