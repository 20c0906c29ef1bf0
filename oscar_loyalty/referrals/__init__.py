"""Referrals: "give X, get X".

* :mod:`.codes` gives every customer a short, unguessable, case-insensitive code and looks codes
  up behind a per-client throttle;
* :mod:`.capture` remembers a ``?ref=CODE`` link in a signed cookie (middleware) and ties the
  referral to the friend's account at sign-up or to their basket at checkout;
* :mod:`.fraud` holds the rules that send a referral for review, each recorded with its reason;
* :mod:`.settlement` records the friend's first order, pays the referrer through the ledger
  once that order is confirmed, and handles cancellations, refunds and staff reviews.

The friend's reward is a real Oscar site offer (:mod:`oscar_loyalty.offers.referrals`).
"""
