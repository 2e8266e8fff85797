import ArgumentParser
import Gen3TestCommons

extension ManifestFileFormat: ExpressibleByArgument {}
