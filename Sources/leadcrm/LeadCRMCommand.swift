import ArgumentParser

/// The `leadcrm` command: the server and its operator tools.
struct LeadCRMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leadcrm",
        abstract: "Lead intake and CRM backend that never loses a lead.",
        discussion: """
            Settings come from flags, then the environment, then a .env file
            (--env-file), then defaults:

              DATABASE_URL         postgres://user:pass@host:5432/db?schema=public
                                   &connection_limit=10&sslmode=prefer;
                                   unset: SQLite at ./data/leadcrm.sqlite
                                   (sqlite:PATH picks another file)
              PORT                 port to listen on (3000)
              HOST                 address to listen on (0.0.0.0)
              LOG_LEVEL            trace debug info notice warn error fatal (info)
              APP_ENV, NODE_ENV    production: JSON log lines, else readable
              MAX_BODY_BYTES       largest body kept: 1048576, 512kb, 1mb (1mb)
              CORS_ORIGINS         *, none, or comma-separated origins (*)
              DATABASE_TIMEOUT_MS  how long a request waits for the database
                                   (2000)
              MIGRATE_ON_START     false: serve does not migrate (true)
              TRUSTED_PROXIES      proxies whose X-Forwarded-For names the
                                   client: addresses, CIDRs, loopback, private
              BODY_TIMEOUT_MS      time to send a whole body (30000)
              IDLE_TIMEOUT_S       idle keep-alive connections close (75)
              SPOOL_DIR            journal for PostgreSQL outages
                                   (./data/spool; off disables it)
              SPOOL_MAX_BYTES      the journal's size limit (1gb)
              LEAD_STATUSES        statuses a lead may have
                                   (new,in_work,converted,rejected)
              INTAKE_AUTH          open, or required: POST /api/lead needs a
                                   token (open)

            A bad setting stops leadcrm with one line naming it, exit status 2.
            """,
        subcommands: [ServeCommand.self, MigrateCommand.self, ReplayCommand.self, UserCommand.self, TokenCommand.self]
    )
}
