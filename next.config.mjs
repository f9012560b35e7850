// Plain JavaScript: a next.config.ts is compiled with Next.js's native SWC binding at every start,
// which then stays loaded (about 20 MiB of the server's memory) for nothing else.
/** @type {import("next").NextConfig} */
const nextConfig = {
  // Native or WebAssembly packages that must load from node_modules at run time, not be bundled.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@node-rs/argon2",
    "libpg-query",
    "pg",
  ],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: false },
  // Pages get a nonce-based CSP from proxy.ts; these apply to everything, API and static files included.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      {
        source: "/api/:path*",
        headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" }],
      },
    ];
  },
};

export default nextConfig;
