//! The HubSpot simulator (to be built).
