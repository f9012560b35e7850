// Tests run outside Next.js's server layer, where `server-only` would throw on import.
export {};
