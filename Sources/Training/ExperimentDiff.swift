extension Experiment {
    /// The keys whose values differ between two experiments, in key-table order, each with both values as the
    /// Config screen shows them ("" for unset): what set two runs apart.
    public func differences(from other: Experiment) -> [(key: String, this: String, other: String)] {
        var rows = ExperimentKeys.all.compactMap { key -> (key: String, this: String, other: String)? in
            let (mine, theirs) = (key.value(self), key.value(other))
            return mine == theirs ? nil : (key.name, mine, theirs)
        }
        let grids = { (experiment: Experiment) in experiment.sweepSummary }
        if grids(self) != grids(other) { rows.append(("sweep", grids(self), grids(other))) }
        return rows
    }
}
