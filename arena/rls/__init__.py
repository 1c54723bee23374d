"""`arena run rls`: Supabase's roles under row-level security.

schema.py builds a small notes domain three times (policies; no RLS; a deliberately broken
policy), matrix.py checks what each role can see and change against the policies' intent,
overhead.py times one read/write mix with RLS on and off, suite.py runs them on one engine.
"""
