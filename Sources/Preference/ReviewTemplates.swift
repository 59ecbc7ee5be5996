/// The sentiment task's sentence templates and the neutral words that fill them.
///
/// Slots in braces: `{adj}`, `{noun}`, `{verb}`, `{emotion}` take the sentence's polarity, `{adj~}` and
/// `{noun~}` the opposite one (for negations and contrasts), `{deg}` an intensifier or nothing; the others are
/// neutral. Names and titles are invented here, so the task carries no outside text.
enum ReviewTemplates {
    /// Review openings: the prompts. Each ends where a clause can follow (`clause`) or where the film is the
    /// subject of a verb phrase (`predicate`), and says nothing about the verdict.
    static let clauseOpenings = [
        "I watched {movie} last {day} and", "I finally saw {movie} with my {relative} and",
        "{movie} is a {genre} starring {actor}, and", "After all the talk about {movie},",
        "As a longtime fan of {actor},", "Going into {movie}, I expected a {plain} {genre}, and",
        "My {relative} picked {movie} for movie night, and", "I rented {movie} on a {weather} {day}, and",
        "The trailer for {movie} promised a {plain} {genre}, and", "{actor} plays {role} in {movie}, and",
        "I saw {movie} at the {venue} on {day}, and", "{movie} runs {minutes} minutes, and",
        "Having read the book first,", "I went in knowing nothing about {movie}, and",
    ]

    static let predicateOpenings = [
        "{movie}", "Directed by {director}, {movie}", "This {genre} about {role}",
        "The latest {genre} from {director}", "{movie}, set in {place},", "The new film starring {actor}",
        "{director}'s {movie}",
    ]

    /// The verdict that finishes an opening's sentence.
    static let clauseVerdicts = [
        "it was {deg} {adj}", "I {verb} every minute of it", "I have to say it is a {deg} {adj} film",
        "the result is a {noun}", "honestly, it was {adj}", "I {verb} it", "it turned out to be a {noun}",
        "it was not {adj~} at all", "I can't call it {adj~}", "I left feeling {emotion}",
        "it felt {deg} {adj} from start to finish", "the whole thing is a {deg} {adj} {noun}",
    ]

    static let predicateVerdicts = [
        "is {deg} {adj}", "is a {noun}", "turns out to be {deg} {adj}", "left me {emotion}", "is not {adj~}",
        "never feels {adj~}", "feels {adj} from the first scene", "is one of the most {adj} films of the year",
        "is a {deg} {adj} {genre}",
    ]

    /// Sentences after the first; those without polarity slots add length and names but no sentiment.
    static let sentences = [
        "The {aspect} is {deg} {adj}.", "{actor} gives a {adj} performance as {role}.",
        "The {aspect} felt {adj}, and the {aspect} was {deg} {adj}.",
        "The {aspect} was {adj~}, but the {aspect} was {deg} {adj}.", "I {verb} the {aspect}.",
        "It is not {adj~}.", "The {aspect} never feels {adj~}.", "There is nothing {adj~} about the {aspect}.",
        "By the end I was {emotion}.", "{director} directs with a {adj} touch.", "Every scene with {actor} is {adj}.",
        "The {aspect} alone makes it a {noun}.", "What a {adj} {noun}!", "Even the {aspect} is {adj}.",
        "{deg} {adj} {aspect}, {deg} {adj} {aspect}.", "I was {emotion} by the {aspect}.",
        "The {aspect} and the {aspect} are both {adj}.", "It is a {adj} {genre} with a {adj} {aspect}.",
        "Fans of {actor} will be {emotion}.", "The {aspect} in the second half is {deg} {adj}.",
        "I {verb} how the {aspect} handles {role}.", "I would never call it {adj~}.",
        "The {aspect} wasn't {adj~} either.", "Overall, a {deg} {adj} {noun}.",
        "The story follows {role} in {place}.", "It was shot in {place}.", "{actor} also appears as {role}.",
        "The film runs {minutes} minutes.", "It is based on a {plain} novel.", "The {aspect} is {plain}.",
        "I watched it with my {relative}.", "It opens with a {plain} scene in {place}.",
        "{director} also wrote the script.", "The {aspect} reminded me of an old {genre}.",
    ]

    static let titleWords = (
        first: ["Silent", "Crimson", "Last", "Hidden", "Golden", "Endless", "Frozen", "Distant", "Burning",
                "Forgotten", "Midnight", "Northern", "Hollow", "Paper", "Iron", "Quiet", "Second", "Winter"],
        second: ["Harbor", "Orchard", "Empire", "Signal", "Garden", "Frontier", "Horizon", "Mirror", "River",
                 "Kingdom", "Letter", "Voyage", "Lighthouse", "Station", "Orbit", "Canyon", "Parade", "Tide"]
    )

    static let firstNames = [
        "Mara", "Julian", "Theo", "Elena", "Rosa", "Felix", "Nadia", "Owen", "Priya", "Tomas", "Ines", "Hugo",
        "Leila", "Victor", "Clara", "Sofia", "Marcus", "Yuki", "Anton", "Greta",
    ]
    static let lastNames = [
        "Vance", "Okafor", "Lindqvist", "Moreau", "Castillo", "Brennan", "Sato", "Novak", "Adeyemi", "Hart",
        "Kowalski", "Reyes", "Whitfield", "Duarte", "Larsen", "Abbott", "Ferreira", "Quinn", "Harlow", "Mendez",
    ]

    static let genres = [
        "thriller", "comedy", "drama", "western", "horror film", "musical", "romance", "mystery", "war film",
        "documentary", "heist movie", "science fiction film", "period piece", "family film", "crime drama",
        "animated feature", "spy film", "sports drama", "courtroom drama", "road movie",
    ]

    static let aspects = [
        "plot", "acting", "soundtrack", "pacing", "dialogue", "cinematography", "ending", "script", "cast",
        "score", "editing", "visual style", "humor", "villain", "direction", "screenplay", "premise", "twist", "finale",
        "camera work", "set design", "costume design", "romance", "action", "lead performance", "supporting cast",
        "opening scene", "lighting", "story", "main character",
    ]

    static let roles = [
        "a retired detective", "a young pianist", "a grieving father", "a small-town mayor", "a ship captain",
        "a con artist", "a schoolteacher", "a rookie cop", "an aging boxer", "a famous chef", "a lonely astronaut",
        "two estranged sisters",
    ]

    static let places = [
        "Lisbon", "a small fishing town", "Montreal", "the desert", "Oslo", "a mountain village", "Naples",
        "an old hotel", "a space station", "Chicago",
    ]

    static let plainAdjectives = [
        "long", "short", "quiet", "dark", "slow", "modern", "classic", "familiar", "strange", "simple", "serious",
        "small", "typical", "unusual", "old-fashioned", "big-budget", "low-budget", "black-and-white",
    ]

    static let relatives = ["sister", "brother", "dad", "mom", "cousin", "grandmother", "roommate", "best friend"]
    static let days = ["Friday", "Saturday", "Sunday", "Monday", "night", "weekend", "Tuesday"]
    static let venues = ["cinema", "drive-in", "film festival", "multiplex", "old theater", "library screening"]
    static let weather = ["rainy", "snowy", "hot", "cold", "windy", "gray"]
    static let degrees = ["very", "really", "extremely", "incredibly", "truly", "absolutely", "remarkably", "so",
                          "quite", "deeply", "somewhat", "rather"]
}
