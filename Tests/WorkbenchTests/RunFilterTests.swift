import Foundation
import Training
import XCTest
@testable import Workbench

/// The Runs screen's `/` filter on the fixture's three runs (β 0.1 running, β 0.5 finished with two warnings, β 0.05
/// failed at step 17).
final class RunFilterTests: XCTestCase {
    private func names(_ text: String) throws -> [String] {
        let filter = try RunFilter(text)
        return Fixtures.state(screen: .runs).runs.filter(filter.matches).map { String($0.name.prefix(while: { $0 != "-" })) + " β\($0.beta!)" }
    }

    func testClausesOnKeysMetricsStateAndWarnings() throws {
        XCTAssertEqual(try names("beta<0.2"), ["sigmoid β0.1", "ipo β0.05"])
        XCTAssertEqual(try names("beta >= 0.1 and state=finished"), ["sigmoid β0.5"])
        XCTAssertEqual(try names("state!=failed, learning_rate=0.001"), ["sigmoid β0.1", "sigmoid β0.5"])
        XCTAssertEqual(try names("warnings>0"), ["sigmoid β0.5"])
        XCTAssertEqual(try names("name~IPO"), ["ipo β0.05"], "~ is a case-blind contains")
        XCTAssertEqual(try names("eval_rewards/accuracies>0.8"), ["sigmoid β0.1", "sigmoid β0.5"])
        XCTAssertEqual(try names("kl>0"), [], "a metric no run logs matches none")
        XCTAssertTrue(try RunFilter("  ").isEmpty)
    }

    func testAClauseWithoutAnOperatorIsNamed() {
        XCTAssertThrowsError(try RunFilter("beta<0.2 and sigmoid")) { XCTAssertTrue("\($0)".contains("'sigmoid'"), "\($0)") }
        var state = Fixtures.state(screen: .runs)
        for key in [Key.char("/")] + "beta".map({ Key.char($0) }) { _ = Update.handle(key, &state, size: Size(width: 120, height: 40)) }
        XCTAssertNil(state.message, "no complaint while typing")
        _ = Update.handle(.enter, &state, size: Size(width: 120, height: 40))
        XCTAssertEqual(state.message?.isError, true)
        XCTAssertEqual(state.filtered(state.runs).count, 3, "a filter that does not parse hides nothing")
    }
}
