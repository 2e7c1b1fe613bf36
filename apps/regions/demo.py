"""The demo city: a deterministic, plausible city of 10 districts, ~50 streets and their communities.

Boundaries are Voronoi cells of seeded points inside an irregular city outline; population falls off
from the center. The names are invented. It goes through the same import service as real files.
"""

from __future__ import annotations

import math
import random

import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from apps.core.demo import DemoContext
from apps.regions.geo import BoundaryFeature, normalize_polygonal
from apps.regions.services import regions_import

CITY_CODE = "990100"
CITY_CENTER = (118.78, 32.06)  # lon, lat
CITY_RADIUS_DEG = 0.22
CITY_POPULATION = 3_600_000

DISTRICTS = [
    ("中山区", "Zhongshan District"),
    ("东湖区", "Donghu District"),
    ("西山区", "Xishan District"),
    ("南浦区", "Nanpu District"),
    ("北塘区", "Beitang District"),
    ("临江区", "Linjiang District"),
    ("青石区", "Qingshi District"),
    ("云溪区", "Yunxi District"),
    ("金桥区", "Jinqiao District"),
    ("松岭区", "Songling District"),
]
STREET_STEMS = [
    ("长安", "Chang'an"),
    ("和平", "Heping"),
    ("新华", "Xinhua"),
    ("解放", "Jiefang"),
    ("人民", "Renmin"),
    ("建设", "Jianshe"),
    ("朝阳", "Chaoyang"),
    ("文化", "Wenhua"),
    ("光明", "Guangming"),
    ("胜利", "Shengli"),
    ("东风", "Dongfeng"),
    ("红旗", "Hongqi"),
    ("幸福", "Xingfu"),
    ("团结", "Tuanjie"),
    ("友谊", "Youyi"),
    ("振兴", "Zhenxing"),
    ("兴华", "Xinghua"),
    ("永安", "Yong'an"),
    ("安定", "Anding"),
    ("太平", "Taiping"),
    ("望江", "Wangjiang"),
    ("临湖", "Linhu"),
    ("春晖", "Chunhui"),
    ("秋实", "Qiushi"),
    ("枫林", "Fenglin"),
    ("桂园", "Guiyuan"),
    ("梅岭", "Meiling"),
    ("竹园", "Zhuyuan"),
    ("荷塘", "Hetang"),
    ("柳岸", "Liu'an"),
    ("杏花", "Xinghua Lane"),
    ("桃源", "Taoyuan"),
    ("石桥", "Shiqiao"),
    ("白沙", "Baisha"),
    ("黄埔", "Huangpu"),
    ("青龙", "Qinglong"),
    ("丹霞", "Danxia"),
    ("翠屏", "Cuiping"),
    ("锦绣", "Jinxiu"),
    ("玉泉", "Yuquan"),
    ("宝山", "Baoshan"),
    ("金沙", "Jinsha"),
    ("银河", "Yinhe"),
    ("星光", "Xingguang"),
    ("明珠", "Mingzhu"),
    ("华阳", "Huayang"),
    ("清河", "Qinghe"),
    ("双桥", "Shuangqiao"),
    ("三元", "Sanyuan"),
    ("五里", "Wuli"),
    ("七星", "Qixing"),
    ("九龙", "Jiulong"),
    ("十里", "Shili"),
    ("龙湾", "Longwan"),
    ("凤凰", "Fenghuang"),
    ("麒麟", "Qilin"),
    ("鹤鸣", "Heming"),
    ("燕子", "Yanzi"),
    ("梧桐", "Wutong"),
    ("银杏", "Yinxing"),
]
COMMUNITY_SUFFIXES = [("一", "No. 1"), ("二", "No. 2"), ("三", "No. 3"), ("四", "No. 4")]


def seed_demo_city(context: DemoContext) -> None:
    """Create or update the demo city's regions at every level (idempotent for a given seed)."""
    rng = context.rng
    outline = _city_outline(rng)
    city = _feature(1, CITY_CODE, ("滨江示范市", "Binjiang Demo City"), outline, CITY_POPULATION)
    regions_import(features=[city], level="city", source="demo")

    districts = _partition(outline, len(DISTRICTS), rng, centered=True)
    district_features = []
    stems = rng.sample(STREET_STEMS, len(STREET_STEMS))
    streets_by_district: list[tuple[str, list[BoundaryFeature]]] = []
    weights = [_weight(cell) for cell in districts]
    for i, (cell, names) in enumerate(zip(districts, DISTRICTS, strict=True)):
        code = f"{CITY_CODE[:4]}{i + 1:02d}"
        population = round(CITY_POPULATION * weights[i] / sum(weights), -2)
        district_features.append(_feature(i + 1, code, names, cell, population))
        street_cells = _partition(cell, rng.randint(4, 6), rng)
        street_weights = [_weight(c) * rng.uniform(0.7, 1.3) for c in street_cells]
        streets = []
        for j, street_cell in enumerate(street_cells):
            stem_zh, stem_en = stems.pop()
            street_pop = round(population * street_weights[j] / sum(street_weights), -1)
            names_j = (f"{stem_zh}街道", f"{stem_en} Subdistrict")
            streets.append(_feature(j + 1, f"{code}{j + 1:03d}", names_j, street_cell, street_pop))
        streets_by_district.append((code, streets))
    regions_import(features=district_features, level="district", parent=CITY_CODE, source="demo")
    for district_code, streets in streets_by_district:
        regions_import(features=streets, level="street", parent=district_code, source="demo")
    for _district_code, streets in streets_by_district:
        for street in streets:
            regions_import(features=_communities(street, rng), level="community", parent=street.code, source="demo")
    context.shared["city_code"] = CITY_CODE
    context.shared["district_codes"] = [f.code for f in district_features]
    context.out.write(
        f"Demo city: 1 city, {len(district_features)} districts, "
        f"{sum(len(s) for _c, s in streets_by_district)} streets.\n"
    )


def _feature(
    number: int, code: str, names: tuple[str, str], geometry: BaseGeometry, population: float
) -> BoundaryFeature:
    return BoundaryFeature(
        number=number,
        code=code,
        name_zh=names[0],
        name_en=names[1],
        parent_code=None,
        population=int(population),
        geometry=geometry,
    )


def _city_outline(rng: random.Random) -> Polygon:
    phase1, phase2 = rng.uniform(0, math.tau), rng.uniform(0, math.tau)
    lon0, lat0 = CITY_CENTER
    points = []
    for k in range(96):
        theta = math.tau * k / 96
        r = CITY_RADIUS_DEG * (1 + 0.14 * math.sin(3 * theta + phase1) + 0.07 * math.sin(5 * theta + phase2))
        # A degree of longitude is shorter than one of latitude: stretch so the city looks round.
        points.append((lon0 + r * math.cos(theta) / math.cos(math.radians(lat0)), lat0 + r * math.sin(theta)))
    return Polygon(points)


def _partition(area: BaseGeometry, n: int, rng: random.Random, *, centered: bool = False) -> list[BaseGeometry]:
    """Split an area into n Voronoi cells of well-spread random seeds (a few Lloyd iterations)."""
    seeds = [area.centroid] if centered else []
    west, south, east, north = area.bounds
    while len(seeds) < n:
        candidate = Point(rng.uniform(west, east), rng.uniform(south, north))
        if area.contains(candidate):
            seeds.append(candidate)
    for _ in range(4):
        cells = _voronoi_cells(seeds, area)
        seeds = [cell.centroid for cell in cells]
    return [normalize_polygonal(cell)[0] for cell in _voronoi_cells(seeds, area)]


def _voronoi_cells(seeds: list[Point], area: BaseGeometry) -> list[BaseGeometry]:
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area, ordered=True)
    return [cell.intersection(area) for cell in shapely.get_parts(diagram)]


def _weight(cell: BaseGeometry) -> float:
    """Population weight: area times a density that falls off with distance from the center."""
    lon0, lat0 = CITY_CENTER
    distance = math.hypot(cell.centroid.x - lon0, cell.centroid.y - lat0) / CITY_RADIUS_DEG
    return cell.area * math.exp(-2.2 * distance)


def _communities(street: BoundaryFeature, rng: random.Random) -> list[BoundaryFeature]:
    cells = _partition(street.geometry, rng.randint(2, 4), rng)
    weights = [rng.uniform(0.6, 1.4) * c.area for c in cells]
    stem_zh, stem_en = street.name_zh.removesuffix("街道"), street.name_en.removesuffix(" Subdistrict")
    return [
        _feature(
            k + 1,
            f"{street.code}{k + 1:03d}",
            (f"{stem_zh}{COMMUNITY_SUFFIXES[k][0]}社区", f"{stem_en} {COMMUNITY_SUFFIXES[k][1]} Community"),
            cell,
            (street.population or 0) * weights[k] / sum(weights),
        )
        for k, cell in enumerate(cells)
    ]
