import ArgumentParser

@main
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Electronic seals for official documents: issue, seal, verify.",
        discussion: """
            Exit status: 0 success (verify: TOTAL-PASSED), 1 failure (verify: TOTAL-FAILED), \
            2 verify: INDETERMINATE, 64 usage error, 65 malformed input file, 66 missing input file, \
            70 internal error.
            """,
        subcommands: [Init.self, Enroll.self, Seals.self, Sign.self, Verify.self, Receipt.self, Revoke.self, RevokeSeal.self,
                      CRL.self, Status.self, Trust.self, Log.self, Audit.self, Demo.self]
    )
}
