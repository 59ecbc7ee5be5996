import XCTest
@testable import Training

/// Learning-rate schedules against Hugging Face's definitions, step by step.
final class ScheduleTests: XCTestCase {
    func testLinearWithWarmupMatchesHuggingFace() {
        // get_linear_schedule_with_warmup(warmup=2, total=6): λ(k) = k/2 for k < 2, then (6 − k)/4.
        let rates = (1...6).map { LearningRateSchedule.linear.rate(step: $0, totalSteps: 6, warmupSteps: 2, base: 1) }
        XCTAssertEqual(rates, [0, 0.5, 1, 0.75, 0.5, 0.25])
    }

    func testCosineWithWarmupMatchesHuggingFace() {
        let rates = (1...5).map { LearningRateSchedule.cosine.rate(step: $0, totalSteps: 5, warmupSteps: 1, base: 2) }
        // k = 1…4 after warmup: progress (k − 1)/4, λ = ½(1 + cos πp).
        let expected = [0.0] + (1...4).map { 2 * 0.5 * (1 + cos(Double.pi * Double($0 - 1) / 4)) }
        for (rate, value) in zip(rates, expected) { XCTAssertEqual(rate, value, accuracy: 1e-12) }
    }

    func testConstantIsFlatAfterWarmup() {
        XCTAssertEqual((1...4).map { LearningRateSchedule.constant.rate(step: $0, totalSteps: 4, warmupSteps: 0, base: 3) }, [3, 3, 3, 3])
    }
}
